"""What the customer master's and marketing's events change on activities.

- ``crm.customer.lead_linked.v1``: the activities of the converted lead are about the
  customer too (those that name no customer yet);
- ``crm.customer.erased.v1``: the free text (subject, outcome) of the activities about the
  person or their leads is scrubbed: notes quote and name people;
- ``crm.customer.merged.v1``: the duplicate's activities follow the survivor;
- ``crm.marketing.call_task.requested.v1``: a campaign's call, scheduled for the customer's
  owner (one per task).

Erasure runs after the leads' handler is registered, but reads leads by customer id, which
erasure keeps, so the order does not matter.
"""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerLeadLinked, CustomerMerged
from crm_shared.contracts.marketing import CallTaskRequested
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.privacy import forget_subjects, redact_audit, scrub_from_disk

from crm_sales.activities import service
from crm_sales.activities.repository import AUDIT_KEPT, ActivityRepository
from crm_sales.customers.view import surviving_id
from crm_sales.settings import SalesSettings


async def on_lead_linked(uow: UnitOfWork, event: CustomerLeadLinked, envelope: CloudEvent) -> None:
    customer_id = await surviving_id(uow.session, event.customer_id)
    await ActivityRepository(uow.session).link_lead_customer(
        event.lead_id, customer_id, uow.clock.now()
    )


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    activities = ActivityRepository(uow.session)
    ids = await activities.ids_about_customers([event.customer_id])
    await activities.scrub_free_text([event.customer_id], uow.clock.now())
    await redact_audit(uow, "activity", ids, AUDIT_KEPT)
    await forget_subjects(uow, ids)
    scrub_from_disk(uow)


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    await ActivityRepository(uow.session).move_customer(
        event.merged_customer_id, event.customer_id, uow.clock.now()
    )


def activity_handlers(settings: SalesSettings) -> dict[type[IntegrationEvent], EventHandler]:
    async def on_call_task_requested(
        uow: UnitOfWork, event: CallTaskRequested, envelope: CloudEvent
    ) -> None:
        await service.schedule_call_task(uow, event, settings)

    return {
        CustomerLeadLinked: on_lead_linked,
        CustomerErased: on_customer_erased,
        CustomerMerged: on_customer_merged,
        CallTaskRequested: on_call_task_requested,
    }
