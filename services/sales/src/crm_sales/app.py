"""The sales service: leads and their scoring, conversion, opportunities through the
pipeline, quotes, orders and payments, activities, the forecast and pipeline analysis."""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_sales import models
from crm_sales.customers.routes import router as customers_router
from crm_sales.handlers import handlers
from crm_sales.order_imports.routes import router as order_imports_router
from crm_sales.orders.routes import router as orders_router
from crm_sales.quotes.routes import router as quotes_router
from crm_sales.quotes.service import EXPIRY_TIMER, expire_quote
from crm_sales.settings import SalesSettings

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """Sales-force automation: leads (de-duplicated, scored with their reasons),
their conversion into opportunities and customers, the pipeline with its stages and
probabilities, quotes, orders and payments (the receivables the customer master rates credit
from), activities with reminders, the forecast and pipeline analysis. Every change is
published on `crm.sales` (CloudEvents, keyed by customer id where there is one)."""


def create_app(
    settings: SalesSettings | None = None, *, run_bus: bool = True, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    definition = ServiceDefinition(
        settings=settings or SalesSettings(),
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        routers=[customers_router, quotes_router, order_imports_router, orders_router],
        title="CRM sales",
        description=DESCRIPTION,
        handlers=handlers,
        timers={EXPIRY_TIMER: expire_quote},
        consumes=(topics.CUSTOMER, topics.IDENTITY),
        run_bus=run_bus,
        clock=clock,
    )
    return create_service_app(definition)
