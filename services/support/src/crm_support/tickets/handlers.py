"""What the customer master's events change on every support table.

- ``crm.customer.merged.v1``: the duplicate's tickets, recoveries, surveys, visits and
  follow-up calls follow the survivor (each ticket a new version);
- ``crm.customer.erased.v1``: the personal free text of the person's tickets, their history,
  recoveries, surveys, visits and follow-up calls is scrubbed, and so are the audit log's
  entries of those tickets and the sent events about them (support's events are keyed by the
  customer; a ticket's id is the key only of one that names no customer); the WAL is
  checkpointed after the commit.
"""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.privacy import forget_subjects, redact_audit, scrub_from_disk
from crm_shared.views.value_classes import forget_value_class

from crm_support.db import value_classes
from crm_support.tickets.privacy import AUDIT_KEPT, CustomerRecordsRepository


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    records = CustomerRecordsRepository(uow.session)
    ticket_ids = await records.ticket_ids(event.customer_id)
    await records.scrub_free_text(event.customer_id, uow.clock.now())
    await redact_audit(uow, "ticket", ticket_ids, AUDIT_KEPT)
    await forget_subjects(uow, [event.customer_id, *ticket_ids])
    await forget_value_class(uow.session, value_classes, event.customer_id)
    scrub_from_disk(uow)


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    await CustomerRecordsRepository(uow.session).move_customer(
        event.merged_customer_id, event.customer_id, uow.clock.now()
    )


def ticket_handlers() -> dict[type[IntegrationEvent], EventHandler]:
    return {CustomerErased: on_customer_erased, CustomerMerged: on_customer_merged}
