"""The sales service: leads, opportunities, quotes, orders and the forecast.

For now it keeps its own view of the customers (from ``crm.customer``) and serves it
read-only; its own aggregates come next.
"""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_sales.customers.routes import router as customers_router
from crm_sales.db import platform_tables
from crm_sales.handlers import handlers
from crm_sales.settings import SalesSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: SalesSettings | None = None, *, run_bus: bool = True) -> FastAPI:
    definition = ServiceDefinition(
        settings=settings or SalesSettings(),
        tables=platform_tables,
        migrations=MIGRATIONS,
        routers=[customers_router],
        title="CRM sales",
        description="Leads, opportunities, quotes, orders and the forecast.",
        handlers=handlers,
        consumes=(topics.CUSTOMER,),
        run_bus=run_bus,
    )
    return create_service_app(definition)
