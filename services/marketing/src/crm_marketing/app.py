"""The marketing service: campaigns to analytics' segments, sent over real channels (SMTP
e-mail, SMS over HTTP, call tasks, direct-mail lists) with consent to the letter, tracked
(opens, clicks, unsubscribes) and evaluated; care and win-back programmes next.

It keeps its own view of the customers (consent, contact channels) and of analytics' segment
memberships and value classes. A background sender sends what running campaigns have due
(``crm_marketing.sends.sender``).
"""

from pathlib import Path

from crm_shared.bus import topics
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from crm_shared.workers import STANDARD_WORKERS, Worker, WorkerFactory, WorkerHost
from fastapi import FastAPI

from crm_marketing import models  # noqa: F401 (every model mapped before the app starts)
from crm_marketing.audiences.routes import router as audiences_router
from crm_marketing.campaigns.routes import report_router as campaign_reports_router
from crm_marketing.campaigns.routes import router as campaigns_router
from crm_marketing.campaigns.service import TIMERS
from crm_marketing.care.handlers import care_schedule, care_timers
from crm_marketing.channels.factory import channels_for
from crm_marketing.customers.routes import router as customers_router
from crm_marketing.db import platform_tables
from crm_marketing.handlers import handlers_for
from crm_marketing.mail_lists.routes import router as mail_lists_router
from crm_marketing.member_events.handlers import member_event_timers
from crm_marketing.member_events.routes import router as member_events_router
from crm_marketing.sends.sender import Sender
from crm_marketing.settings import MarketingSettings
from crm_marketing.tracking.routes import router as tracking_router
from crm_marketing.winback.handlers import winback_timers

MIGRATIONS = Path(__file__).parent / "migrations"


def sender_worker(clock: Clock) -> WorkerFactory:
    def factory(runtime: WorkerHost) -> Worker:
        settings = runtime.settings
        assert isinstance(settings, MarketingSettings)
        sender = Sender(
            runtime.unit_of_work, settings, channels_for(settings, runtime.unit_of_work, clock)
        )
        return Worker("sender", sender.run)

    return factory


def create_app(
    settings: MarketingSettings | None = None,
    *,
    run_bus: bool = True,
    clock: Clock = SYSTEM_CLOCK,
    send: bool = True,
) -> FastAPI:
    """``send=False``: no background sender (tests drive a :class:`Sender` themselves)."""
    settings = settings or MarketingSettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=platform_tables,
        migrations=MIGRATIONS,
        routers=[
            customers_router,
            audiences_router,
            campaigns_router,
            member_events_router,
            mail_lists_router,
            campaign_reports_router,
            tracking_router,
        ],
        title="CRM marketing",
        description="Campaigns, audiences, sends, tracking, care and win-back programmes.",
        handlers=handlers_for(settings),
        consumes=(topics.ANALYTICS, topics.CUSTOMER, topics.SALES),
        run_bus=run_bus,
        clock=clock,
        timers={
            **TIMERS,
            **winback_timers(settings),
            **care_timers(settings),
            **member_event_timers,
        },
        schedules=[care_schedule(settings)],
        workers=(*STANDARD_WORKERS, sender_worker(clock)) if send else STANDARD_WORKERS,
    )
    return create_service_app(definition)
