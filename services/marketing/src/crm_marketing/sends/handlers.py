"""What the master's erasure changes on the messages: where each went (an address) and what
the channel said about it go; the counts stay (a campaign's results keep their totals)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.privacy import forget_subjects, scrub_from_disk

from crm_marketing.sends.repository import MessageRepository


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    await MessageRepository(uow.session).scrub([event.customer_id])
    await forget_subjects(uow, [event.customer_id])
    scrub_from_disk(uow)


send_handlers: dict[type, EventHandler] = {CustomerErased: on_customer_erased}
