"""The sales service: leads and their scoring, conversion, opportunities through the
pipeline, quotes, orders and payments, activities, the forecast and pipeline analysis."""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from crm_shared.timers import Schedule
from fastapi import FastAPI

from crm_sales import models
from crm_sales.activities import service as activities
from crm_sales.activities.routes import router as activities_router
from crm_sales.activities.rules import REMINDER_KIND
from crm_sales.customers.routes import router as customers_router
from crm_sales.handlers import handlers_for
from crm_sales.lead_imports.routes import router as lead_imports_router
from crm_sales.leads import scoring
from crm_sales.leads.routes import router as leads_router
from crm_sales.opportunities.routes import router as opportunities_router
from crm_sales.order_imports.routes import router as order_imports_router
from crm_sales.orders.routes import router as orders_router
from crm_sales.pipeline.routes import router as pipeline_router
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
    settings = settings or SalesSettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        routers=[
            customers_router,
            lead_imports_router,
            leads_router,
            opportunities_router,
            pipeline_router,
            quotes_router,
            # The fixed /v1/orders/import before /v1/orders/{order_id}.
            order_imports_router,
            orders_router,
            activities_router,
        ],
        title="CRM sales",
        description=DESCRIPTION,
        handlers=handlers_for(settings),
        consumes=(topics.CUSTOMER, topics.IDENTITY, topics.MARKETING),
        run_bus=run_bus,
        clock=clock,
        timers={REMINDER_KIND: activities.on_reminder, EXPIRY_TIMER: expire_quote},
        schedules=[
            Schedule(
                scoring.RETRAIN_SCHEDULE,
                settings.scoring_retrain_cron,
                scoring.retrain_handler(settings),
            )
        ],
    )
    return create_service_app(definition)
