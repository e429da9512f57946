"""Settings of the marketing service: the shared ``CRM_*`` variables, plus its own database URL
(``CRM_MARKETING_DATABASE_URL``) and port (``CRM_MARKETING_PORT``)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings


class MarketingSettings(ServiceSettings):
    service_name: ClassVar[str] = "marketing"

    port: int = 8002
