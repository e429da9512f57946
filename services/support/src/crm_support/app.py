"""The support service: tickets (complaints, inquiries, requests) through the flow of
DOMAIN.md §4, their 2-1-2-3 targets on durable timers (paused while the ticket waits on the
customer, on a business calendar, re-planned when the priority changes or the ticket turns
major), escalation, service recovery, follow-up surveys and the complaint statistics."""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from crm_shared.timers import Schedule
from fastapi import FastAPI

from crm_support import models
from crm_support.corrective_actions import service as corrective_actions
from crm_support.corrective_actions.routes import router as corrective_actions_router
from crm_support.customers.routes import router as customers_router
from crm_support.follow_ups.routes import router as follow_ups_router
from crm_support.handlers import handlers_for
from crm_support.knowledge.routes import router as knowledge_router
from crm_support.recoveries.routes import router as recoveries_router
from crm_support.reports.routes import router as reports_router
from crm_support.settings import SupportSettings
from crm_support.sla.timers import timer_handlers
from crm_support.surveys.routes import router as surveys_router
from crm_support.tickets.routes import router as tickets_router

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """Customer service: tickets (complaints, inquiries, requests) with their whole
history, first responsibility and explicit hand-overs, the 2-1-2-3 service-level targets
(each with its own due time and state; paused while the ticket waits on the customer; on a
business calendar), escalation of major complaints, service recovery, follow-up surveys (also
through a signed link that needs no login), weekly / monthly complaint statistics, service
visits and the routine follow-up call after every sale and visit, the knowledge base of
standard answers, and corrective actions from weak survey items. Every change is published
on `crm.support` (CloudEvents, keyed by customer id)."""


def create_app(
    settings: SupportSettings | None = None, *, run_bus: bool = True, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or SupportSettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        routers=[
            customers_router,
            tickets_router,
            recoveries_router,
            surveys_router,
            reports_router,
            knowledge_router,
            follow_ups_router,
            corrective_actions_router,
        ],
        title="CRM support",
        description=DESCRIPTION,
        handlers=handlers_for(settings),
        consumes=(topics.ANALYTICS, topics.CUSTOMER, topics.IDENTITY, topics.SALES),
        run_bus=run_bus,
        clock=clock,
        timers=timer_handlers(settings),
        schedules=[
            Schedule(
                corrective_actions.REVIEW_SCHEDULE,
                settings.corrective_review_cron,
                corrective_actions.review_handler(settings),
            )
        ],
    )
    return create_service_app(definition)
