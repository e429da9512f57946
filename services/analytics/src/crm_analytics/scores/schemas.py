"""What the scores endpoints and the profile's ``scores`` section answer."""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.contracts.analytics import AbcClass, ChurnLevel, ChurnReason, ValueClass
from crm_shared.fields import Day
from pydantic import BaseModel, ConfigDict, Field


class RfmOut(BaseModel):
    recency_days: int = Field(description="Days since the last purchase")
    frequency: int = Field(description="Purchases (orders)")
    monetary: Decimal = Field(description="Total spend, in the reporting currency")
    monetary_average: Decimal = Field(description="Average spend per purchase")
    r: int = Field(ge=1, le=5)
    f: int = Field(ge=1, le=5)
    m: int = Field(ge=1, le=5)
    segment: str = Field(
        description="champions, loyal, potential_loyalist, new, promising, "
        "needs_attention, about_to_sleep, at_risk, cant_lose, hibernating, lost"
    )


class ClvOut(BaseModel):
    frequency: float = Field(description="Repeat purchase days (the reference's frequency)")
    recency: float = Field(description="Days from the first to the last purchase day")
    T: float = Field(description="Days from the first purchase to the scoring day")
    monetary_value: float = Field(description="Mean total of the repeat purchase days")
    probability_alive: float | None = Field(description="BG/NBD P(alive); null before a fit")
    expected_purchases_30d: float | None
    expected_average_value: float | None = Field(description="Gamma-Gamma's expected spend")
    predicted_value: float | None = Field(description="Discounted value over the horizon")
    worksheet_value: Decimal = Field(
        description="Average spend x purchases per year x expected years (DOMAIN's worksheet)"
    )


class ChurnRiskOut(BaseModel):
    score: float = Field(ge=0, le=1)
    level: ChurnLevel
    reasons: list[ChurnReason] = Field(description="Heaviest first")


class ScoresOut(BaseModel):
    rfm: RfmOut | None = Field(description="Null for a customer without purchases")
    abc_class: AbcClass | None
    value_class: ValueClass | None
    window_value: Decimal | None = Field(description="Value over the ABC window")
    currency: str
    clv: ClvOut | None
    churn_risk: ChurnRiskOut | None
    mvc_class: int | None = Field(None, ge=1, le=8, description="Most-valuable-customer order")
    loyalty_score: float | None = None
    computed_at: datetime | None


class BgNbdOut(BaseModel):
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


class GammaGammaOut(BaseModel):
    p: float
    q: float
    v: float
    log_likelihood: float


class ClvModelOut(BaseModel):
    bgnbd: BgNbdOut
    gamma_gamma: GammaGammaOut | None = Field(description="Null when too few repeat buyers")
    observation_end: date
    customers: int
    fitted_at: datetime


class FitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observation_end: Day | None = Field(
        None, description="The last day of history the fit sees (default: today)"
    )


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: Day | None = Field(None, description="The scoring day (default: today)")


class RunOut(BaseModel):
    sequence: int
    kind: str = Field(description="full or live")
    customers: int = Field(description="Customers scored")
    changed: int = Field(description="Customers whose value class or churn level moved")
