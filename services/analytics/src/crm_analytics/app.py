"""The analytics service: the 360-degree profile and the unified timeline."""

from pathlib import Path

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

import crm_analytics.churn.models
import crm_analytics.profiles.models
import crm_analytics.recommendations.models
import crm_analytics.sales.models
import crm_analytics.scores.models
import crm_analytics.segments.models
import crm_analytics.support.models
import crm_analytics.timeline.models  # noqa: F401  (every table on Base.metadata)
from crm_analytics.churn.routes import router as churn_router
from crm_analytics.db import platform_tables
from crm_analytics.handlers import CONSUMED_TOPICS, handlers_for
from crm_analytics.profiles.routes import router as profiles_router
from crm_analytics.recommendations.routes import router as recommendations_router
from crm_analytics.reports.routes import router as reports_router
from crm_analytics.satisfaction.routes import router as satisfaction_router
from crm_analytics.scores.routes import router as scores_router
from crm_analytics.scores.timers import refresh_schedule
from crm_analytics.segments.routes import router as segments_router
from crm_analytics.segments.timers import SEGMENT_TIMERS
from crm_analytics.settings import AnalyticsSettings
from crm_analytics.timeline.routes import router as timeline_router
from crm_analytics.tools.routes import router as tools_router

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: AnalyticsSettings | None = None, *, run_bus: bool = True, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or AnalyticsSettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=platform_tables,
        migrations=MIGRATIONS,
        routers=(
            profiles_router,
            timeline_router,
            scores_router,
            segments_router,
            reports_router,
            tools_router,
            recommendations_router,
            churn_router,
            satisfaction_router,
        ),
        title="CRM analytics",
        description="The 360-degree customer profile and the unified timeline of every "
        "event about a customer, built from the events of every service.",
        handlers=handlers_for(settings),
        timers=SEGMENT_TIMERS,
        schedules=[refresh_schedule(settings)],
        consumes=CONSUMED_TOPICS,
        run_bus=run_bus,
        clock=clock,
    )
    return create_service_app(definition)
