"""The CSI report as the API gives it."""

from pydantic import BaseModel, Field

from crm_analytics.reporting import PeriodOut


class CsiFigures(BaseModel):
    answers: int
    mean_score: float | None = Field(description="Mean perceived score (1-5)")
    answers_with_expectation: int = Field(description="Answers giving the expected score")
    mean_satisfaction: float | None = Field(description="Mean C = score / expected")
    exceeded_percent: float | None = Field(description="Share of the answers with C > 1")
    met_percent: float | None = Field(description="Share of the answers with C = 1")
    dissatisfied_percent: float | None = Field(description="Share of the answers with C < 1")
    expected_retention_low_percent: float | None = Field(
        description="Mean over the answers of the low bound of their score's retention"
    )
    expected_retention_high_percent: float | None = Field(
        description="Mean over the answers of the high bound of their score's retention"
    )


class ItemCsi(CsiFigures):
    item: str


class DepartmentCsi(CsiFigures):
    department: str | None = Field(description="The survey's department (null: none given)")
    items: list[ItemCsi] = Field(description="By item, in name order")


class RetentionOut(BaseModel):
    score: int
    low_percent: float
    high_percent: float


class CsiReport(BaseModel):
    period: PeriodOut
    department: str | None = Field(description="The department asked for (null: all)")
    overall: CsiFigures
    departments: list[DepartmentCsi] = Field(description="In name order, none given last")
    retention_by_score: list[RetentionOut] = Field(description="The expected one-year retention")
