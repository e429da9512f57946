"""What drives the care programmes: the daily run (birthdays, holidays), sales' orders (the
check-up timer) and the master's erasure and merge (the timer goes)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.contracts.sales import OrderPlaced
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.timers import Schedule, Timer, TimerHandler

from crm_marketing.care import service
from crm_marketing.settings import MarketingSettings


def care_handlers(settings: MarketingSettings) -> dict[type, EventHandler]:
    async def on_order_placed(uow: UnitOfWork, event: OrderPlaced, envelope: CloudEvent) -> None:
        await service.order_placed(uow, event.order, settings)

    async def on_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
        await service.forget(uow, event.customer_id)

    async def on_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
        await service.forget(uow, event.merged_customer_id)

    return {OrderPlaced: on_order_placed, CustomerErased: on_erased, CustomerMerged: on_merged}


def care_timers(settings: MarketingSettings) -> dict[str, TimerHandler]:
    async def on_checkup(uow: UnitOfWork, timer: Timer) -> None:
        await service.on_checkup_due(uow, timer, settings)

    return {service.CHECKUP_TIMER: on_checkup}


def care_schedule(settings: MarketingSettings) -> Schedule:
    async def run(uow: UnitOfWork, timer: Timer) -> None:
        await service.daily(uow, settings)

    return Schedule(service.DAILY, settings.care_cron, run, timezone=settings.time_zone)
