"""The marketing service: campaigns, audiences, sends, tracking, care and win-back programmes.

For now it keeps its own view of the customers (from ``crm.customer``) and serves it
read-only; its own aggregates come next.
"""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_marketing.customers.routes import router as customers_router
from crm_marketing.db import platform_tables
from crm_marketing.handlers import handlers
from crm_marketing.settings import MarketingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: MarketingSettings | None = None, *, run_bus: bool = True) -> FastAPI:
    definition = ServiceDefinition(
        settings=settings or MarketingSettings(),
        tables=platform_tables,
        migrations=MIGRATIONS,
        routers=[customers_router],
        title="CRM marketing",
        description="Campaigns, audiences, sends, tracking, care and win-back programmes.",
        handlers=handlers,
        consumes=(topics.CUSTOMER,),
        run_bus=run_bus,
    )
    return create_service_app(definition)
