"""What orders and quotes do when the customer master merges or erases a customer:
``CustomerMerged`` moves the alias's quotes and orders to the survivor (bulk UPDATEs; a
redelivery finds nothing left to move), ``CustomerErased`` scrubs the free text on them."""

from crm_shared.bus.handlers import Handler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent
from crm_shared.privacy import scrub_from_disk

from crm_sales.orders import service as orders
from crm_sales.quotes import service as quotes


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, _: CloudEvent) -> None:
    if event.merged_customer_id == event.customer_id:
        return
    await orders.follow_merge(uow, event.merged_customer_id, event.customer_id)
    await quotes.follow_merge(uow, event.merged_customer_id, event.customer_id)


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, _: CloudEvent) -> None:
    await orders.forget_free_text(uow, event.customer_id)
    await quotes.forget_free_text(uow, event.customer_id)
    scrub_from_disk(uow)


order_customer_handlers: dict[type[IntegrationEvent], Handler] = {
    CustomerMerged: on_customer_merged,
    CustomerErased: on_customer_erased,
}
