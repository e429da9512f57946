"""The customer master's events that reach opportunities: a merge moves the merged
customer's opportunities to the survivor; an erasure scrubs the free text about the deals."""

from crm_shared.bus.handlers import Handler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent

from crm_sales.opportunities.reassign import follow_merge, scrub_erased


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    await follow_merge(uow, event.merged_customer_id, event.customer_id, cause=envelope)


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    await scrub_erased(uow, event.customer_id)


opportunity_handlers: dict[type[IntegrationEvent], Handler] = {
    CustomerMerged: on_customer_merged,
    CustomerErased: on_customer_erased,
}
