"""Settings of the analytics service: the shared ``CRM_*`` variables, plus its own
``CRM_ANALYTICS_*`` ones (database URL, port, and those below)."""

from decimal import Decimal
from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import Field


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"

    port: int = 8005

    # How many of the newest timeline entries GET /v1/profiles/{id} embeds.
    profile_timeline_size: int = Field(20, ge=0, le=200)

    # --- scores (RFM, ABC, CLV, churn risk, value class) --------------------------------

    # --- segments -------------------------------------------------------------------------

    # --- churn model and reports ------------------------------------------------------------

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
