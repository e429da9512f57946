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

    # --- reports ------------------------------------------------------------------------------

    # The currency of the customer-yield report unless the query names one (money is never
    # summed across currencies).
    reports_currency: str = Field("EUR", pattern="^[A-Z]{3}$")
    # The upper edges of the composition's spend bands per period: < 100, 100-250, 250-500,
    # >= 500 by default (ascending).
    reports_spend_bands: list[Decimal] = Field(
        default_factory=lambda: [Decimal(100), Decimal(250), Decimal(500)], min_length=1
    )
