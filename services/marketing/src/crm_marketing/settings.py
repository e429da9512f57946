"""Settings of the marketing service: the shared ``CRM_*`` variables, plus its own database URL
(``CRM_DATABASE_URL_MARKETING``) and port (``CRM_PORT_MARKETING``)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import AliasChoices, Field


class MarketingSettings(ServiceSettings):
    service_name: ClassVar[str] = "marketing"

    # Only the service's own variable: a bare DATABASE_URL or PORT in the environment (set
    # for something else) must not reach it. The keyword works by field name.
    database_url: str = Field("", validation_alias=AliasChoices("CRM_DATABASE_URL_MARKETING"))
    port: int = Field(8002, validation_alias=AliasChoices("CRM_PORT_MARKETING"))
