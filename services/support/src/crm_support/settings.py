"""Settings of the support service: the shared ``CRM_*`` variables, plus its own database URL
(``CRM_SUPPORT_DATABASE_URL``) and port (``CRM_SUPPORT_PORT``)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings


class SupportSettings(ServiceSettings):
    service_name: ClassVar[str] = "support"

    port: int = 8004
