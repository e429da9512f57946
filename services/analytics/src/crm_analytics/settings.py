"""Settings of the analytics service (``CRM_*`` shared ones plus its own)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import AliasChoices, Field


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"

    # Only the service's own variables are read from the environment: an alias choice named
    # plain "database_url" or "port" would also match a generic DATABASE_URL / PORT variable
    # (which hosting platforms set) and point this service at someone else's database.
    # The keyword arguments ``database_url=`` / ``port=`` still work (``populate_by_name``).
    database_url: str = Field("", validation_alias=AliasChoices("CRM_DATABASE_URL_ANALYTICS"))
    port: int = Field(8005, validation_alias=AliasChoices("CRM_PORT_ANALYTICS"))

    # How many of the newest timeline entries GET /v1/profiles/{id} embeds.
    profile_timeline_size: int = Field(
        20, ge=0, le=200, validation_alias=AliasChoices("CRM_ANALYTICS_PROFILE_TIMELINE_SIZE")
    )
