"""What the master's erasure and merge change on the messages.

Erasure: where each went (an address) and what the channel said about it go; the counts stay
(a campaign's results keep their totals). Merge: the alias's messages become the survivor's
(the frequency cap, attribution and a campaign's once-per-step hold for the person), except
at a step the survivor has its own, where the alias's stays as history (see the repository).
"""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.privacy import forget_subjects, scrub_from_disk

from crm_marketing.sends.repository import MessageRepository


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    await MessageRepository(uow.session).scrub([event.customer_id])
    await forget_subjects(uow, [event.customer_id])
    scrub_from_disk(uow)


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    if event.merged_customer_id != event.customer_id:
        await MessageRepository(uow.session).follow_merge(
            event.merged_customer_id, event.customer_id
        )


send_handlers: dict[type, EventHandler] = {
    CustomerErased: on_customer_erased,
    CustomerMerged: on_customer_merged,
}
