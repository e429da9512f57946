from pydantic import BaseModel, Field


class RowError(BaseModel):
    line: int = Field(description="the line of the file where the row starts (header: 1)")
    errors: list[str]


class ImportSummary(BaseModel):
    created: int
    updated: int
    skipped: int = Field(description="rows matching a record that they would not change")
    errors: list[RowError] = Field(description="rows not imported, with the reasons")
