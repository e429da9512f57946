"""What the master's erasure and merge change on the mail lists: an erased customer's letters
lose the name, address and text (and leave the exported list); a merged customer's letters
become the survivor's."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.privacy import scrub_from_disk

from crm_marketing.mail_lists.repository import MailListRepository


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    await MailListRepository(uow.session).scrub([event.customer_id])
    scrub_from_disk(uow)


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    if event.merged_customer_id != event.customer_id:
        await MailListRepository(uow.session).reassign(event.merged_customer_id, event.customer_id)


mail_list_handlers: dict[type, EventHandler] = {
    CustomerErased: on_customer_erased,
    CustomerMerged: on_customer_merged,
}
