"""What drives the care programmes: the daily run (birthdays, holidays), sales' orders (the
check-up timer), analytics' value classes (a VIP's periodic call) and churn risks (the care
call first), and the master's erasure and merge (the timers and the churn state go)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.analytics import ChurnRiskChanged, ValueClassChanged
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

    async def on_value_class_changed(
        uow: UnitOfWork, event: ValueClassChanged, envelope: CloudEvent
    ) -> None:
        await service.value_class_changed(uow, event.customer_id, settings)

    async def on_churn_risk_changed(
        uow: UnitOfWork, event: ChurnRiskChanged, envelope: CloudEvent
    ) -> None:
        await service.churn_risk_changed(uow, event, settings)

    return {
        OrderPlaced: on_order_placed,
        ValueClassChanged: on_value_class_changed,
        ChurnRiskChanged: on_churn_risk_changed,
        CustomerErased: on_erased,
        CustomerMerged: on_merged,
    }


def care_timers(settings: MarketingSettings) -> dict[str, TimerHandler]:
    async def on_checkup(uow: UnitOfWork, timer: Timer) -> None:
        await service.on_checkup_due(uow, timer, settings)

    async def on_vip_call(uow: UnitOfWork, timer: Timer) -> None:
        await service.on_vip_call_due(uow, timer, settings)

    return {service.CHECKUP_TIMER: on_checkup, service.VIP_CALL_TIMER: on_vip_call}


def care_schedule(settings: MarketingSettings) -> Schedule:
    async def run(uow: UnitOfWork, timer: Timer) -> None:
        await service.daily(uow, settings)

    return Schedule(service.DAILY, settings.care_cron, run, timezone=settings.time_zone)
