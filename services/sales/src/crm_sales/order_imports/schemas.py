"""The answer of POST /v1/orders/import."""

from pydantic import BaseModel, Field


class RowError(BaseModel):
    line: int = Field(description="the line of the file where the row starts (header: 1)")
    detail: str = Field(description="why the row was not imported (reasons joined by '; ')")


class ImportSummary(BaseModel):
    imported: int = Field(description="orders created")
    skipped: int = Field(
        description="rows already imported (their external_id, or without one the same "
        "customer, ordered_at, amount and product, in the database or earlier in the file)"
    )
    errors: list[RowError] = Field(description="rows not imported, with the reasons")
