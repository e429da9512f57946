"""The support service: tickets and complaints, SLA timers (2-1-2-3), escalation and surveys.

For now it keeps its own view of the customers (from ``crm.customer``) and serves it
read-only; its own aggregates come next.
"""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_support.customers.routes import router as customers_router
from crm_support.db import platform_tables
from crm_support.handlers import handlers
from crm_support.settings import SupportSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: SupportSettings | None = None, *, run_bus: bool = True) -> FastAPI:
    definition = ServiceDefinition(
        settings=settings or SupportSettings(),
        tables=platform_tables,
        migrations=MIGRATIONS,
        routers=[customers_router],
        title="CRM support",
        description="Tickets and complaints, SLA timers (2-1-2-3), escalation and surveys.",
        handlers=handlers,
        consumes=(topics.CUSTOMER,),
        run_bus=run_bus,
    )
    return create_service_app(definition)
