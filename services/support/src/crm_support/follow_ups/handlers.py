"""What other services' events schedule as follow-up calls: a sale (crm.sales
OrderPlaced), when ``follow_up_after_orders`` is on."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.sales import OrderPlaced
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent

from crm_support.follow_ups import service
from crm_support.settings import SupportSettings


def follow_up_handlers(settings: SupportSettings) -> dict[type[IntegrationEvent], EventHandler]:
    async def on_order_placed(uow: UnitOfWork, event: OrderPlaced, envelope: CloudEvent) -> None:
        await service.order_placed(uow, event, settings)

    return {OrderPlaced: on_order_placed}
