"""The analytical reports as the API gives them (JSON). A row of a list names, in
``csv_key``, the fields that identify it in the long CSV (section, key, metric, value)."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field


class BestBy(StrEnum):
    VALUE = "value"  # the ABC window value
    CLV = "clv"  # the model's predicted value over the CLV horizon
    MONETARY = "monetary"  # all-time spend


class YieldOrder(StrEnum):
    TOP = "top"
    BOTTOM = "bottom"


class PeriodOut(BaseModel):
    label: str = Field(description="The period asked for: 2026-12 or 2026-Q4")
    start: datetime = Field(description="Its first instant (UTC), included")
    end: datetime = Field(description="The first instant after it (UTC), excluded")


class ScoreRunOut(BaseModel):
    sequence: int
    as_of: datetime = Field(description="The instant the run scored the customers as of")
    customers: int


# --- RFM ---------------------------------------------------------------------------------


class RfmCell(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("r", "f")
    r: int = Field(ge=1, le=5, description="Recency score (5: most recent)")
    f: int = Field(ge=1, le=5, description="Frequency score (5: most frequent)")
    customers: int
    mean_monetary: Decimal | None = Field(description="Mean monetary total (null: nobody)")
    segments: dict[str, int] = Field(description="Customers of the cell per named segment")


class RfmSegmentOut(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("segment",)
    segment: str | None = Field(description="The named segment (null: not named)")
    customers: int
    customers_share: float | None
    monetary_total: Decimal
    mean_monetary: Decimal | None


class RfmReport(BaseModel):
    run: ScoreRunOut | None = Field(description="The last full scoring run (null: none yet)")
    customers: int = Field(description="Customers with R and F scores")
    grid: list[RfmCell] = Field(description="All 25 cells, R then F ascending (a heat map)")
    segments: list[RfmSegmentOut] = Field(description="Per named segment, most customers first")
    edges: dict[str, Any] | None = Field(
        description="The quintile edges of the last full run (recency, frequency, monetary)"
    )


# --- ABC ---------------------------------------------------------------------------------


class AbcClassOut(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("abc_class",)
    abc_class: str
    customers: int
    customers_share: float | None
    value: Decimal = Field(description="Summed value over the window")
    value_share: float | None


class ParetoPointOut(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("customers_share",)
    customers_share: float = Field(description="Share of customers, highest value first")
    value_share: float = Field(description="Share of all value they hold")


class AbcReport(BaseModel):
    run: ScoreRunOut | None
    customers: int
    value: Decimal = Field(description="Summed value of every classified customer")
    classes: list[AbcClassOut]
    pareto: list[ParetoPointOut] = Field(description="The origin, then one point a percentile")
    thresholds: dict[str, Any] | None = Field(
        description="The least value of each class in the last full run"
    )


# --- best customers --------------------------------------------------------------------


class BestCustomer(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("rank",)
    rank: int
    customer_id: str
    window_value: Decimal
    monetary_total: Decimal
    predicted_value: float | None = Field(description="CLV over the model's horizon")
    orders: int
    rfm_segment: str | None
    abc_class: str | None
    value_class: str | None


class BestCustomersReport(BaseModel):
    by: BestBy
    customers: list[BestCustomer]


# --- who is about to leave -------------------------------------------------------------


class ReasonCount(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("code",)
    code: str
    customers: int = Field(description="At-risk customers giving this reason")


class AtRiskCustomer(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("customer_id",)
    customer_id: str
    churn_level: str
    churn_score: float
    reasons: list[dict[str, Any]] = Field(description='[{"code", "weight", "detail"}]')
    recency_days: int | None
    window_value: Decimal
    value_class: str | None


class AtRiskReport(BaseModel):
    levels: dict[str, int] = Field(description="Customers per churn level (low, medium, high)")
    reasons: list[ReasonCount] = Field(description="Over the high and medium ones, most first")
    customers: list[AtRiskCustomer] = Field(description="Highest risk first")


# --- why customers did not buy -----------------------------------------------------------


class LostCount(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("key", "currency")
    key: str | None = Field(description="The loss reason or competitor (null: none recorded)")
    currency: str
    opportunities: int
    amount: Decimal


class RefusedQuotes(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("status", "currency")
    status: str = Field(description="rejected or expired")
    currency: str
    quotes: int
    total: Decimal


class LostOpportunity(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("opportunity_id",)
    opportunity_id: str
    customer_id: str | None
    currency: str
    amount: Decimal
    loss_reason: str | None
    competitor: str | None
    closed_at: datetime | None


class RefusedQuote(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("quote_id",)
    quote_id: str
    customer_id: str | None
    status: str
    currency: str
    total: Decimal
    decided_at: datetime | None


class LostSalesReport(BaseModel):
    period: PeriodOut
    customer_id: str | None = Field(description="The customer asked for (null: everyone)")
    by_reason: list[LostCount]
    by_competitor: list[LostCount]
    refused_quotes: list[RefusedQuotes]
    opportunities: list[LostOpportunity] = Field(description="Only with customer_id")
    quotes: list[RefusedQuote] = Field(description="Only with customer_id")


# --- what each customer cost and yielded -------------------------------------------------


class YieldFigures(BaseModel):
    orders: int
    revenue: Decimal = Field(description="Orders placed in the period, not cancelled")
    paid: Decimal
    written_off: Decimal
    recovery_cost: Decimal = Field(description="Recoveries support recorded in the period")
    net: Decimal = Field(description="revenue - written_off - recovery_cost")


class CustomerYield(YieldFigures):
    csv_key: ClassVar[tuple[str, ...]] = ("customer_id",)
    customer_id: str


class YieldTotals(YieldFigures):
    customers: int


class CustomerYieldReport(BaseModel):
    period: PeriodOut
    currency: str
    order: YieldOrder
    totals: YieldTotals
    customers: list[CustomerYield]


# --- did the campaign work ---------------------------------------------------------------


class CampaignRevenue(BaseModel):
    currency: str
    customers: int
    orders: int
    revenue: Decimal


class CampaignOut(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("campaign_id", "source")
    campaign_id: str | None = Field(description="The lead's campaign (null: none named)")
    source: str | None
    leads: int = Field(description="Leads created in the period")
    converted: int
    conversion_rate: float | None
    revenue: list[CampaignRevenue] = Field(description="Per currency")
    sent: int = Field(0, description="Marketing's messages of the campaign sent in the period")
    delivered: int = 0
    opened: int = Field(0, description="Messages first opened in the period")
    clicked: int = Field(0, description="Messages whose link was first clicked in the period")
    responses: int = Field(0, description="Responses in the period (click, form or reply)")
    unsubscribes: int = Field(0, description="Unsubscribes through the campaign's messages")


class CampaignReport(BaseModel):
    period: PeriodOut
    campaigns: list[CampaignOut]
    notes: list[str]


# --- what customers are dissatisfied with --------------------------------------------------


class CategoryCount(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("category",)
    category: str | None = Field(description="null: received before analytics kept it")
    complaints: int
    major: int


class SurveyItemOut(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("item",)
    item: str
    answers: int
    mean_score: float | None = Field(description="1-5")
    satisfaction_answers: int = Field(description="Answers that gave the expectation")
    mean_satisfaction: float | None = Field(description="Mean C = score / expected")


class DissatisfactionReport(BaseModel):
    period: PeriodOut
    complaints: list[CategoryCount] = Field(description="Most complaints first")
    items: list[SurveyItemOut] = Field(description="Lowest mean score first")


# --- composition and scorecard ----------------------------------------------------------


class BandCount(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("dimension", "key")
    dimension: str = Field(description="age_band, occupation, industry, region or value_band")
    key: str | None = Field(description="The band or value (null: not recorded)")
    customers: int
    customers_share: float | None
    spend: Decimal = Field(description="Their spend in the period")


class CompositionReport(BaseModel):
    period: PeriodOut
    currency: str
    customers: int = Field(description="Active customers who existed by the period's end")
    spend_bands: list[str] = Field(description="The value bands, lowest first (a setting)")
    dimensions: list[BandCount]


class SegmentScorecard(BaseModel):
    csv_key: ClassVar[tuple[str, ...]] = ("segment",)
    segment: str | None = Field(description="The RFM segment (null: not scored)")
    customers: int
    new_customers: int = Field(description="Acquisition: customers created in the period")
    first_time_buyers: int = Field(description="Acquisition: first order in the period")
    returning_base: int = Field(description="Customers who had bought before the period")
    retained: int = Field(description="Of the returning base, those who bought in the period")
    retention_rate: float | None = Field(description="retained / returning_base")
    orders: int
    revenue: Decimal
    written_off: Decimal
    recovery_cost: Decimal
    net: Decimal = Field(description="Profitability: revenue - written_off - recovery_cost")
    net_per_customer: Decimal | None
    tickets: int = Field(description="Cost to serve: tickets received in the period")
    tickets_per_customer: float | None
    recovery_cost_per_customer: Decimal | None


class ScorecardReport(BaseModel):
    period: PeriodOut
    currency: str
    segments: list[SegmentScorecard] = Field(description="Most customers first")
