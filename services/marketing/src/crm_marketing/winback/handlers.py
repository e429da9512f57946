"""What moves win-back: analytics' ``customer.inactive`` (the decision), sales' orders (the
last purchase, the spend, the fallback timer) and the master's erasure (the customer's state
and timer go) and merge (the merged customer's history joins the survivor's)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.analytics import CustomerInactive
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.contracts.sales import OrderCancelled, OrderPlaced
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.timers import Timer, TimerHandler

from crm_marketing.settings import MarketingSettings
from crm_marketing.winback import service


def winback_handlers(settings: MarketingSettings) -> dict[type, EventHandler]:
    async def on_order_placed(uow: UnitOfWork, event: OrderPlaced, envelope: CloudEvent) -> None:
        await service.order_placed(uow, event.order, settings)

    async def on_order_cancelled(
        uow: UnitOfWork, event: OrderCancelled, envelope: CloudEvent
    ) -> None:
        await service.order_cancelled(uow, event.order, settings)

    async def on_inactive(uow: UnitOfWork, event: CustomerInactive, envelope: CloudEvent) -> None:
        await service.customer_inactive(uow, event, settings)

    async def on_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
        await service.forget(uow, event.customer_id)

    async def on_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
        await service.follow_merge(uow, event.merged_customer_id, event.customer_id, settings)

    return {
        OrderPlaced: on_order_placed,
        OrderCancelled: on_order_cancelled,
        CustomerInactive: on_inactive,
        CustomerErased: on_erased,
        CustomerMerged: on_merged,
    }


def winback_timers(settings: MarketingSettings) -> dict[str, TimerHandler]:
    async def on_check(uow: UnitOfWork, timer: Timer) -> None:
        await service.on_check_due(uow, timer, settings)

    return {service.TIMER: on_check}
