"""Settings of the sales service: the shared ``CRM_*`` variables, plus its own database URL
(``CRM_SALES_DATABASE_URL``) and port (``CRM_SALES_PORT``)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings


class SalesSettings(ServiceSettings):
    service_name: ClassVar[str] = "sales"

    port: int = 8003
