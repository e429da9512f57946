"""Settings of the analytics service: the shared ``CRM_*`` variables, plus its own
``CRM_ANALYTICS_*`` ones (database URL, port, and those below)."""

from decimal import Decimal
from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import (
    Field,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crm_analytics.segments.rules import DEFAULT_AGE_BANDS, DEFAULT_SPEND_BANDS, parse_bands


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"

    port: int = 8005

    # How many of the newest timeline entries GET /v1/profiles/{id} embeds.
    profile_timeline_size: int = Field(20, ge=0, le=200)

    # --- scores (RFM, ABC, CLV, churn risk, value class) --------------------------------

    # Every money figure of the scores is in this currency; an order in another currency
    # counts at its rate here (units of the reporting currency per unit), and an order in a
    # currency without a rate is left out of the scores (the profile's sales section still
    # shows it).
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    exchange_rates: dict[str, float] = Field(default_factory=dict)
    value_window_days: int = Field(365, ge=1, le=3650)  # ABC ranks the value over this
    trend_window_days: int = Field(180, ge=7, le=1825)  # falling frequency / spend: two of these
    # ABC: the shares of A and B (a third share makes ABCD: C, then D for the rest).
    abc_shares: list[float] = Field(
        default_factory=lambda: [0.15, 0.25], min_length=2, max_length=3
    )
    vip_tag: str = "vip"  # the master's tag that makes a customer VIP whatever the value
    vip_share: float = Field(0.01, ge=0, le=0.5)  # and the top share by value
    worksheet_years: float = Field(3.0, gt=0, le=50)  # the worksheet's expected relationship
    clv_horizon_months: int = Field(12, ge=1, le=120)  # the model's predicted value horizon
    clv_monthly_discount_rate: float = Field(0.01, ge=0, le=1)
    clv_min_repeat_customers: int = Field(20, ge=2)  # fewer bought twice: no fit
    churn_medium: float = Field(0.3, gt=0, lt=1)  # churn-risk score cuts of the levels
    churn_high: float = Field(0.6, gt=0, le=1)
    churn_default_gap_days: float = Field(90.0, gt=0)  # the rhythm of a one-day customer
    # Days without a purchase at which a scoring run publishes ``customer.inactive`` (once
    # per threshold per spell): the starts of marketing's win-back windows (DOMAIN.md §5).
    inactivity_thresholds_days: list[PositiveInt] = Field(
        default_factory=lambda: [90, 180, 365], min_length=1, max_length=10
    )
    # Refit the CLV model and rescore everyone (cron, UTC); a new order rescores its
    # customer at once against the last full run's edges.
    scores_refresh_cron: str = "30 2 * * *"
    # Live runs score everyone while the last full run scored fewer customers than this: edges
    # drawn from a handful of customers (or none, when the first event was an erasure) would
    # misjudge everyone who follows until the nightly run, and a full run of so small a base
    # costs what a live one does.
    scores_small_base: int = Field(1000, ge=0)

    # --- segments -------------------------------------------------------------------------
    # The bands of the age_band and spend_band filter fields ("<N", "N-M", "N+" or ">N"); a
    # segment keeps the bands it was saved with.
    segment_age_bands: list[str] = Field(
        default_factory=lambda: list(DEFAULT_AGE_BANDS), min_length=1, max_length=30
    )
    segment_spend_bands: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SPEND_BANDS), min_length=1, max_length=30
    )
    # How many customer ids a segment preview shows.
    segment_preview_sample: int = Field(10, ge=0, le=100)

    @field_validator("segment_age_bands", "segment_spend_bands")
    @classmethod
    def _segment_bands(cls, names: list[str], info: ValidationInfo) -> list[str]:
        parse_bands(names, whole_years=info.field_name == "segment_age_bands")
        return names

    # --- churn model and reports ------------------------------------------------------------

    # The churn label: no purchase within this many days after the cut date.
    churn_horizon_days: int = Field(180, ge=7, le=1095)
    # The features compare the orders and spend of the last N days before the cut with the N
    # days before those.
    churn_trend_days: int = Field(180, ge=7, le=730)
    # Enough history to learn a tree: customers who had bought before the cut, and churned /
    # stayed customers among them (each class at least this many).
    churn_min_customers: int = Field(200, ge=10, le=10_000_000)
    churn_min_per_class: int = Field(20, ge=2, le=1_000_000)
    churn_tree_max_depth: int = Field(3, ge=1, le=6)
    churn_tree_min_samples_leaf: int = Field(10, ge=1, le=100_000)
    # A customer is active at an instant if they bought within this many days before it.
    churn_active_window_days: int = Field(365, ge=1, le=3650)
    # Reasons customers leave, with DOMAIN.md's reference shares (%), shown beside the counts.
    churn_reason_shares: dict[str, float] = {
        "indifference": 68.0,
        "complaint badly handled": 10.0,
        "cheaper elsewhere": 9.0,
        "friends": 5.0,
        "competitor": 4.0,
        "moved": 3.0,
        "died": 1.0,
    }
    # Expected one-year retention (%, low and high) by satisfaction score 1-5 (DOMAIN.md).
    csi_retention_by_score: dict[int, tuple[float, float]] = {
        5: (92.0, 97.0),
        4: (80.0, 85.0),
        3: (60.0, 65.0),
        2: (15.0, 20.0),
        1: (0.0, 5.0),
    }

    # --- cross-sell, most-valuable-customer order, loyalty, market size -----------------------

    # Association rules kept by a refresh: the share of all orders holding both products,
    # and the share of the orders with the first product that also hold the second.
    recommendation_min_support: float = Field(0.01, gt=0, le=1)
    recommendation_min_confidence: float = Field(0.1, gt=0, le=1)
    # Suggestions a profile shows (the suggestions route takes its own ?limit=).
    profile_suggestions: int = Field(5, ge=0, le=50)

    # Most-valuable-customer order: "large" from these cuts (a business by employees or annual
    # revenue, an individual by its spend over all orders), "loyal" from the loyalty score.
    mvc_large_employees: int = Field(50, ge=1)
    mvc_large_annual_revenue: Decimal = Field(Decimal(10_000_000), gt=0)
    mvc_large_spend: Decimal = Field(Decimal(1_000), gt=0)
    mvc_loyal_score: float = Field(0.5, ge=0, le=1)
    # Decision time (opportunity opened → won) counting half towards loyalty.
    loyalty_decision_days: float = Field(30.0, gt=0)

    # --- reports ------------------------------------------------------------------------------

    # The upper edges of the composition's spend bands per period: < 100, 100-250, 250-500,
    # >= 500 by default (ascending).
    reports_spend_bands: list[Decimal] = Field(
        default_factory=lambda: [Decimal(100), Decimal(250), Decimal(500)], min_length=1
    )

    @model_validator(mode="after")
    def _shares_leave_a_rest(self) -> "AnalyticsSettings":
        if any(share <= 0 for share in self.abc_shares) or sum(self.abc_shares) >= 1:
            raise ValueError("abc_shares must be positive and leave a share for the last class")
        if self.churn_medium >= self.churn_high:
            raise ValueError("churn_medium must be below churn_high")
        return self
