"""What the customer master's and marketing's events change on leads (and their
opportunities).

- ``crm.customer.lead_linked.v1``, the answer to a conversion: the lead is this customer
  (its survivor, if a merge overtook the answer), and so is the opportunity it became
  (guarded: a redelivery or a late answer changes nothing; the consumer's inbox drops exact
  redeliveries before that);
- ``crm.customer.erased.v1``: the person's leads lose their personal data;
- ``crm.customer.merged.v1``: the duplicate's leads follow the survivor;
- ``crm.marketing.responded.v1``: the customer answered a campaign, a lead is opened for
  them with the campaign as its source (one per response).
"""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerErased, CustomerLeadLinked, CustomerMerged
from crm_shared.contracts.marketing import Responded
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.privacy import forget_subjects, redact_audit, scrub_from_disk

from crm_sales.customers.view import surviving_id
from crm_sales.leads import conversion
from crm_sales.leads import service as leads_service
from crm_sales.leads.repository import AUDIT_KEPT, LeadRepository
from crm_sales.opportunities.service import attach_customer
from crm_sales.settings import SalesSettings


async def on_lead_linked(uow: UnitOfWork, event: CustomerLeadLinked, envelope: CloudEvent) -> None:
    customer_id = await surviving_id(uow.session, event.customer_id)
    lead = await conversion.link_customer(uow, event.lead_id, customer_id)
    opportunity_id = event.opportunity_id or (lead.opportunity_id if lead else None)
    if opportunity_id is not None:
        await attach_customer(uow, opportunity_id, customer_id)


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    """The person's leads lose their personal data, and so do the audit log's entries of
    them and the sent events about them (keyed by the customer, or by a lead before it was
    the customer's); the WAL is checkpointed after the commit."""
    leads = LeadRepository(uow.session)
    lead_ids = await leads.ids_of_customers([event.customer_id])
    await leads.scrub_personal_data([event.customer_id], uow.clock.now())
    await redact_audit(uow, "lead", lead_ids, AUDIT_KEPT)
    await forget_subjects(uow, [event.customer_id, *lead_ids])
    scrub_from_disk(uow)


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    await LeadRepository(uow.session).move_customer(
        event.merged_customer_id, event.customer_id, uow.clock.now()
    )


def lead_handlers(settings: SalesSettings) -> dict[type[IntegrationEvent], EventHandler]:
    async def on_responded(uow: UnitOfWork, event: Responded, envelope: CloudEvent) -> None:
        await leads_service.open_for_response(uow, event, settings)

    return {
        CustomerLeadLinked: on_lead_linked,
        CustomerErased: on_customer_erased,
        CustomerMerged: on_customer_merged,
        Responded: on_responded,
    }
