"""Making new leads, one (POST /v1/leads) or a chunk of an import file at once, by the same
code: the matching keys, the customer of the sales view with the same e-mail or phone,
the owner the allocation rules give an unowned lead, the rule score with its reasons and
the learnt win probability, and the ``LeadCreated`` event.

Set-based: a chunk costs one query for the routing load, a few for the customers (by key)
and one for the model, whatever its size. The caller decides what a duplicate means (409
for one lead, a skipped row for an import) and stores the leads (``session.add`` for one,
a multi-row INSERT for a chunk), then :func:`announce` records their events.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_shared.contracts.sales import LeadCreated, LeadStatus
from crm_shared.db import UnitOfWork

from crm_sales.db import FIRST_VERSION
from crm_sales.leads import scoring
from crm_sales.leads.events import snapshot_of
from crm_sales.leads.models import Lead
from crm_sales.leads.repository import LeadRepository
from crm_sales.leads.rules import Route, oldest_customer, route_leads
from crm_sales.settings import SalesSettings

# The fields of a lead that are its data as given (status, score etc. have their own rules).
DATA_FIELDS = (
    "name", "company", "email", "phone", "source", "campaign_id", "external_id", "owner",
    "industry", "region", "role", "company_size",
)  # fmt: skip


@dataclass(frozen=True)
class LeadDraft:
    """A lead as asked for, checked: its data and its normalised e-mail and phone."""

    values: Mapping[str, Any]  # of DATA_FIELDS; a field left out is None
    email_key: str | None
    phone_key: str | None
    routed: bool  # no owner was named: the allocation rules choose one
    match_customer: bool = True  # False: the caller sets the customer it was given
    # Set for a lead an event opens: its id derives from the event's key (a replay is the
    # same lead), and the response that opened it counts as its first.
    lead_id: str | None = None
    campaign_name: str | None = None
    campaign_responses: int = 0


@dataclass(frozen=True)
class NewLead:
    lead: Lead
    routed_by: str | None  # territory, industry, round_robin or pool; None: owner named


async def new_leads(
    uow: UnitOfWork, drafts: Sequence[LeadDraft], settings: SalesSettings
) -> list[NewLead]:
    """The leads of ``drafts`` (not stored): routed, matched to customers, scored."""
    leads = LeadRepository(uow.session)
    routes = await _routes(leads, drafts, settings)
    matching = [draft for draft in drafts if draft.match_customer]
    by_email, by_phone = await leads.matching_customers(
        {draft.email_key for draft in matching if draft.email_key},
        {draft.phone_key for draft in matching if draft.phone_key},
    )
    model = await scoring.current_model(uow)
    now = uow.clock.now()
    made = []
    for draft, route in zip(drafts, routes, strict=True):
        lead = Lead(
            id=draft.lead_id or str(uuid.uuid4()),
            version=FIRST_VERSION,
            status=LeadStatus.NEW.value,
            activities_done=0,
            campaign_responses=draft.campaign_responses,
            campaign_name=draft.campaign_name,
            disqualified_reason=None,
            opportunity_id=None,
            converted_at=None,
            customer_id=None,
            created_at=now,
            updated_at=now,
            email_normalized=draft.email_key,
            phone_normalized=draft.phone_key,
            **{name: draft.values.get(name) for name in DATA_FIELDS},
        )
        if route is not None:
            lead.owner = route.owner
        lead.customer_id = (
            oldest_customer(
                by_email.get(draft.email_key or ""), by_phone.get(draft.phone_key or "")
            )
            if draft.match_customer
            else None
        )
        scoring.apply_score(lead, settings, model)
        made.append(NewLead(lead, route.rule if route is not None else None))
    return made


def announce(uow: UnitOfWork, leads: Sequence[Lead]) -> None:
    """One ``LeadCreated`` per new lead (the outbox rows are written with the commit)."""
    for lead in leads:
        uow.record(
            LeadCreated(record_id=lead.id, customer_id=lead.customer_id, lead=snapshot_of(lead))
        )


def column_values(lead: Lead) -> dict[str, Any]:
    """The lead as a row of a multi-row INSERT."""
    return {column.key: getattr(lead, column.key) for column in Lead.__table__.columns}


async def _routes(
    leads: LeadRepository, drafts: Sequence[LeadDraft], settings: SalesSettings
) -> list[Route | None]:
    """Each draft's route (None: its owner was named); the round robin's load is read
    once and counts the leads routed before in the same set."""
    routed = [draft for draft in drafts if draft.routed]
    if not routed:
        return [None] * len(drafts)
    load = await leads.open_leads_of(settings.routing_round_robin)
    places = [(draft.values.get("region"), draft.values.get("industry")) for draft in routed]
    routes = iter(route_leads(places, settings, load))
    return [next(routes) if draft.routed else None for draft in drafts]
