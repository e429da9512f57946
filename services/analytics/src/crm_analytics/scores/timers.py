"""The nightly refresh: refit the CLV models where there is enough history, then rescore
everyone (``CRM_ANALYTICS_SCORES_REFRESH_CRON``)."""

from crm_shared.db import UnitOfWork
from crm_shared.timers import Schedule, Timer

from crm_analytics.scores import service
from crm_analytics.settings import AnalyticsSettings

REFRESH_SCHEDULE = "scores-refresh"


def refresh_schedule(settings: AnalyticsSettings) -> Schedule:
    async def refresh(uow: UnitOfWork, timer: Timer) -> None:
        try:
            await service.fit_clv(uow, settings)  # rescores everyone with the new fit
        except service.NotEnoughHistory:
            await service.rescore(uow, settings)

    return Schedule(REFRESH_SCHEDULE, settings.scores_refresh_cron, refresh)
