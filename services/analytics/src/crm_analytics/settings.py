"""Settings of the analytics service: the shared ``CRM_*`` variables, plus its own
``CRM_ANALYTICS_*`` ones (database URL, port, and those below)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import Field, ValidationInfo, field_validator

from crm_analytics.segments.rules import DEFAULT_AGE_BANDS, DEFAULT_SPEND_BANDS, parse_bands


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"

    port: int = 8005

    # How many of the newest timeline entries GET /v1/profiles/{id} embeds.
    profile_timeline_size: int = Field(20, ge=0, le=200)

    # --- scores (RFM, ABC, CLV, churn risk, value class) --------------------------------

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

    # --- cross-sell, most-valuable-customer order, loyalty, market size -----------------------
