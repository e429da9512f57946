"""Use cases of a lead's conversion: the lead becomes an opportunity (and, through the
customer master, a customer), and the master's answer links them. Never commits.

The round trip: ``convert`` records ``LeadConverted`` (with the customer when the lead is
one already); the customer master creates the customer, or links the existing one it finds,
and answers ``crm.customer.lead_linked.v1``; ``link_customer`` then sets the lead's customer
and the handler attaches the opportunity. Each side's outbox and inbox make a restart in
between lose or double nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import LeadConverted, LeadStatus
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_sales.leads.events import snapshot_of
from crm_sales.leads.models import Lead
from crm_sales.leads.repository import LeadRepository
from crm_sales.leads.schemas import ConvertIn
from crm_sales.leads.service import ensure_reachable, load, move, record_change
from crm_sales.opportunities.models import Opportunity
from crm_sales.opportunities.service import open_opportunity
from crm_sales.settings import SalesSettings


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    opportunity: Opportunity


async def convert(
    uow: UnitOfWork,
    lead_id: str,
    body: ConvertIn,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
    actor: str | None,
) -> Conversion:
    """The lead becomes an opportunity (and, through the customer master, a customer).
    Converting twice is 409 naming the opportunity it became."""
    await ensure_reachable(uow, lead_id, scope)
    lead = await load(uow, lead_id)
    if lead.status == LeadStatus.CONVERTED:
        raise ConflictError(
            f"lead {lead.id} was converted already, into opportunity {lead.opportunity_id}",
            code="lead-converted",
            opportunity_id=lead.opportunity_id,
        )
    check_version(expected, lead.version)
    move(lead, LeadStatus.CONVERTED)
    wanted = body.opportunity
    opportunity = await open_opportunity(
        uow,
        settings,
        name=wanted.name,
        amount=Decimal(wanted.amount),
        currency=wanted.currency,
        customer_id=lead.customer_id,
        lead_id=lead.id,
        # A rep converting a lead from the pool takes the deal; otherwise the lead's owner's.
        owner=lead.owner or (None if scope.everything else actor),
        actor=actor,
        expected_close_date=wanted.expected_close_date,
    )
    now = uow.clock.now()
    lead.opportunity_id = opportunity.id
    lead.converted_at = now
    lead.touch(now)
    uow.record(
        LeadConverted(
            record_id=lead.id,
            customer_id=lead.customer_id,
            opportunity_id=opportunity.id,
            lead=snapshot_of(lead),
        )
    )
    return Conversion(lead, opportunity)


async def link_customer(uow: UnitOfWork, lead_id: str, customer_id: str) -> Lead | None:
    """The customer master's answer to a conversion: the lead is this customer. Guarded: a
    lead linked already (a redelivery, a late answer) keeps its customer."""
    lead = await LeadRepository(uow.session).get(lead_id)
    if lead is None or lead.customer_id is not None:
        return lead
    lead.customer_id = customer_id
    record_change(uow, lead, ["customer_id"])
    return lead
