"""The customer master service: master data, contacts, consent, lifecycle, credit,
duplicates and merge, erasure, CSV import and export."""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_customer import models
from crm_customer.consent.routes import router as consent_router
from crm_customer.contacts.routes import router as contacts_router
from crm_customer.credit.routes import router as credit_router
from crm_customer.customers.routes import router as customers_router
from crm_customer.duplicates.routes import router as duplicates_router
from crm_customer.erasure.routes import router as erasure_router
from crm_customer.handlers import handlers_for
from crm_customer.imports.routes import router as imports_router
from crm_customer.lifecycle.routes import router as lifecycle_router
from crm_customer.settings import CustomerSettings

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """The customer master: individual and organisation customers, their contacts,
consent per channel, lifecycle stage, credit and operating grades, duplicate detection and
merge, erasure on request, CSV import and export. Every change is published on
`crm.customer` (CloudEvents, keyed by customer id)."""


def create_app(
    settings: CustomerSettings | None = None, *, run_bus: bool = True, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or CustomerSettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        # Fixed paths (/duplicates, /import, /export) before /v1/customers/{customer_id}.
        routers=(
            duplicates_router,
            imports_router,
            customers_router,
            contacts_router,
            consent_router,
            lifecycle_router,
            credit_router,
            erasure_router,
        ),
        title="CRM customer master",
        description=DESCRIPTION,
        # Who is on which team (crm.identity), for the manager rule of record-level access;
        # converted leads, orders and payments (crm.sales): customers, credit, lifecycle;
        # unsubscribes (crm.marketing): consent withdrawn.
        handlers=handlers_for(settings),
        consumes=(topics.IDENTITY, topics.SALES, topics.MARKETING),
        run_bus=run_bus,
        clock=clock,
    )
    return create_service_app(definition)
