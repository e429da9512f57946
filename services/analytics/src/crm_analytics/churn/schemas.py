"""The churn model and the churn report as the API gives them."""

from datetime import date, datetime
from typing import Any

from crm_shared.fields import Day
from pydantic import BaseModel, ConfigDict, Field

from crm_analytics.reporting import PeriodOut

EARLIEST_AS_OF = date(1970, 1, 1)


class FitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: Day | None = Field(
        None,
        ge=EARLIEST_AS_OF,
        description="The day the history is known up to (default today, never later): "
        "features are taken as of as_of - CRM_ANALYTICS_CHURN_HORIZON_DAYS, the label is "
        "whether the customer bought between then and as_of",
        examples=["2026-06-30"],
    )


class FeatureOut(BaseModel):
    name: str
    label: str


class ChurnModelOut(BaseModel):
    id: int
    fitted_at: datetime
    as_of: date = Field(description="The history was known up to this day")
    cut: date = Field(description="Features as of this day (as_of - horizon)")
    horizon_days: int = Field(description="Churned: no purchase within this many days after cut")
    customers: int = Field(description="Customers who had bought before the cut")
    churned: int = Field(description="Of them, those who did not buy again within the horizon")
    test_customers: int = Field(description="Held out (25 %, stratified) to measure the tree")
    accuracy: float = Field(description="On the held-out customers (churn if probability > 0.5)")
    auc: float | None = Field(description="ROC AUC on the held-out customers")
    features: list[FeatureOut]
    tree: dict[str, Any] = Field(
        description='Nested nodes: a split {"feature", "threshold", "customers", "le", "gt"} '
        '(le: value ≤ threshold) or a leaf {"probability", "customers", "churned"}'
    )
    rules: list[str] = Field(description="One readable rule per leaf")


class ChurnFigures(BaseModel):
    period: PeriodOut
    customers_at_start: int = Field(description="Active at the period's start")
    lost: int = Field(description="Active at the start, not active at the end")
    active_at_end: int
    new_customers: int = Field(description="First purchase ever within the period")
    churn_rate_percent: float | None = Field(description="lost / customers_at_start * 100")
    retention_rate_percent: float | None = Field(description="100 - churn_rate_percent")


class ReasonOut(BaseModel):
    reason: str = Field(description="As recorded, trimmed and lowercased")
    lifecycle: int = Field(description="Customers moved to lost with this reason")
    opportunities: int = Field(description="Opportunities lost with this reason")
    total: int
    share_percent: float | None = Field(description="Of every reason recorded in the period")
    reference_percent: float | None = Field(description="DOMAIN.md's reference share")


class ChurnReport(ChurnFigures):
    active_window_days: int = Field(description="Active: bought within this many days before")
    series: list[ChurnFigures] = Field(description="The periods up to this one, oldest first")
    reasons: list[ReasonOut]
