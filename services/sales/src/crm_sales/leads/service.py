"""Use cases of leads: create (de-duplicated, matched to a customer, routed, scored), read,
search, update, qualify, disqualify, and what an activity done and a marketing response
change. Never commits.
Conversion (and the customer master's answer to it) is :mod:`crm_sales.leads.conversion`.

Every change is one step: ``lead.touch(now)`` (the next version) and its event at once.
"""

from dataclasses import dataclass
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.contact_keys import (
    INVALID_PHONE_NUMBER,
    InvalidPhoneNumberError,
    normalize_email,
    normalize_phone,
)
from crm_shared.contracts.marketing import Responded
from crm_shared.contracts.sales import LeadChanged, LeadStatus
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_sales.from_events import derived_id, shortened
from crm_sales.leads import creation, scoring
from crm_sales.leads.creation import DATA_FIELDS, LeadDraft
from crm_sales.leads.events import snapshot_of
from crm_sales.leads.models import Lead
from crm_sales.leads.repository import LeadRepository
from crm_sales.leads.rules import allowed_moves, may_move
from crm_sales.leads.schemas import LeadCreate, LeadUpdate
from crm_sales.leads.search import LeadFilter, Position, position_after, position_from
from crm_sales.settings import DuplicatePolicy, SalesSettings

# A lead marketing's response opens: its source, and the kind of its derived id.
CAMPAIGN_SOURCE = "campaign"
RESPONSE_LEAD = "lead-of-response"
NAME_LENGTH = 200  # of a lead's name and company, and of a campaign's name on it

SCORED_FIELDS = frozenset({"industry", "region", "role", "company_size", "source"})


@dataclass(frozen=True)
class Created:
    lead: Lead
    duplicates: list[tuple[Lead, list[str]]]
    routed_by: str | None


@dataclass(frozen=True)
class LeadPage:
    items: list[Lead]
    following: Position | None
    total: int | None = None


# --- reading -----------------------------------------------------------------------------


async def load(uow: UnitOfWork, lead_id: str) -> Lead:
    lead = await LeadRepository(uow.session).get(lead_id)
    if lead is None:
        raise NotFoundError.of("lead", lead_id)
    return lead


async def ensure_reachable(uow: UnitOfWork, lead_id: str, scope: RecordScope) -> None:
    """404 for a lead outside the caller's reach, the same answer as for one that does not
    exist."""
    if scope.everything:
        return
    if not await LeadRepository(uow.session).reachable(lead_id, scope):
        raise NotFoundError.of("lead", lead_id)


async def get_lead(uow: UnitOfWork, lead_id: str, scope: RecordScope) -> Lead:
    await ensure_reachable(uow, lead_id, scope)
    return await load(uow, lead_id)


async def search_leads(
    uow: UnitOfWork,
    filters: LeadFilter,
    cursor: dict[str, Any] | None,
    limit: int,
    scope: RecordScope,
    *,
    count: bool = False,
) -> LeadPage:
    after = position_from(cursor, filters.sort)
    leads = LeadRepository(uow.session)
    rows = await leads.search(filters, after, limit + 1, scope)
    page = rows[:limit]
    following = position_after(page[-1], filters.sort) if len(rows) > limit else None
    total = await leads.count(filters, scope) if count else None
    return LeadPage(page, following, total)


# --- rules of a change -------------------------------------------------------------------


async def ensure_owner_assignable(uow: UnitOfWork, owner: str | None, scope: RecordScope) -> None:
    """A caller may name as owner only someone whose records it would reach (mass
    assignment): a rep themselves or nobody (the pool), a manager also their team."""
    if scope.everything:
        return
    team = await LeadRepository(uow.session).team_of(owner) if owner is not None else None
    if not scope.may_assign(owner, team):
        raise Forbidden(
            "you may make yourself the owner, leave the lead unowned, or (as a team's "
            "manager) give it to a member of your team",
            code="owner-not-assignable",
        )


def _phone_key(phone: str | None, settings: SalesSettings) -> str | None:
    try:
        return normalize_phone(phone, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise InvalidError(str(error), location="body.phone", code=INVALID_PHONE_NUMBER) from error


def _refresh_keys(lead: Lead, settings: SalesSettings) -> None:
    lead.email_normalized = normalize_email(lead.email)
    lead.phone_normalized = _phone_key(lead.phone, settings)


def matched_on(lead: Lead, other: Lead) -> list[str]:
    reasons = []
    if lead.email_normalized and lead.email_normalized == other.email_normalized:
        reasons.append("email")
    if lead.phone_normalized and lead.phone_normalized == other.phone_normalized:
        reasons.append("phone")
    return reasons


async def check_duplicates(
    uow: UnitOfWork, lead: Lead, settings: SalesSettings
) -> list[tuple[Lead, list[str]]]:
    """The open leads this one duplicates; with the refuse policy, 409 ``lead-duplicate``."""
    with uow.session.no_autoflush:
        matches = await LeadRepository(uow.session).open_matches(
            lead.email_normalized, lead.phone_normalized, lead.id
        )
    duplicates = [(match, matched_on(lead, match)) for match in matches]
    if duplicates and settings.lead_duplicates == DuplicatePolicy.REFUSE:
        first, on = duplicates[0]
        raise ConflictError(
            f"an open lead has the same {' and '.join(on)}: {first.id}; work that lead "
            "(or disqualify it) instead of creating another",
            code="lead-duplicate",
            duplicate_of=first.id,
            duplicates=[{"id": match.id, "matched_on": m} for match, m in duplicates],
        )
    return duplicates


async def ensure_external_id_free(uow: UnitOfWork, lead: Lead) -> None:
    """An external id (the lead's id in the system it came from) names one lead."""
    if lead.external_id is None:
        return
    with uow.session.no_autoflush:
        holder = await LeadRepository(uow.session).by_external_id(lead.external_id)
    if holder is not None and holder.id != lead.id:
        raise ConflictError(
            f"external_id {lead.external_id!r} already belongs to lead {holder.id}",
            code="external-id-taken",
            lead_id=holder.id,
        )


async def _known_customer(uow: UnitOfWork, customer_id: str) -> str:
    """The customer the view knows by this id (a merged alias: its survivor); 422 if none."""
    row = await LeadRepository(uow.session).customer(customer_id)
    if row is None or row.get("status") != "active":
        raise UnknownReferenceError(
            f"customer {customer_id} is not known to the sales service (or was erased)",
            location="body.customer_id",
        )
    return str(row["id"])


def _set_fields(lead: Lead, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.append(name)
    return changed


# --- creating ----------------------------------------------------------------------------


async def create_lead(
    uow: UnitOfWork, body: LeadCreate, settings: SalesSettings, *, scope: RecordScope
) -> Created:
    owner_named = "owner" in body.model_fields_set
    if owner_named:
        await ensure_owner_assignable(uow, body.owner, scope)
    draft = LeadDraft(
        values={name: getattr(body, name) for name in DATA_FIELDS},
        email_key=normalize_email(body.email),
        phone_key=_phone_key(body.phone, settings),
        routed=not owner_named,
        match_customer=body.customer_id is None,
    )
    return await _create(uow, draft, body.customer_id, settings)


async def _create(
    uow: UnitOfWork, draft: LeadDraft, customer_id: str | None, settings: SalesSettings
) -> Created:
    (made,) = await creation.new_leads(uow, [draft], settings)
    lead = made.lead
    await ensure_external_id_free(uow, lead)
    duplicates = await check_duplicates(uow, lead, settings)
    if customer_id is not None:
        lead.customer_id = await _known_customer(uow, customer_id)
    LeadRepository(uow.session).add(lead)
    creation.announce(uow, [lead])
    return Created(lead, duplicates, made.routed_by)


# --- changing ----------------------------------------------------------------------------


def ensure_open(lead: Lead) -> None:
    if lead.status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
        raise ConflictError(
            f"lead {lead.id} is {lead.status}: it no longer changes",
            code="lead-closed",
            lead_status=lead.status,
        )


def move(lead: Lead, target: LeadStatus) -> None:
    """The status machine: 409 naming the moves allowed from where the lead is."""
    current = LeadStatus(lead.status)
    if not may_move(current, target):
        allowed = allowed_moves(current)
        raise ConflictError(
            f"a {current} lead cannot become {target}; allowed: "
            + (", ".join(allowed) if allowed else "none (it is closed)"),
            code="lead-status-transition",
            lead_status=current.value,
            allowed=allowed,
        )
    lead.status = target.value


def record_change(uow: UnitOfWork, lead: Lead, changed: list[str]) -> None:
    if not changed:
        return
    lead.touch(uow.clock.now())
    uow.record(
        LeadChanged(
            record_id=lead.id,
            customer_id=lead.customer_id,
            changed_fields=sorted(set(changed)),
            lead=snapshot_of(lead),
        )
    )


async def patch_lead(
    uow: UnitOfWork,
    lead_id: str,
    body: LeadUpdate,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> Lead:
    await ensure_reachable(uow, lead_id, scope)
    lead = await load(uow, lead_id)
    check_version(expected, lead.version)
    sent = body.model_fields_set
    ensure_open(lead)
    if "owner" in sent:
        await ensure_owner_assignable(uow, body.owner, scope)
    changed = _set_fields(lead, {name: getattr(body, name) for name in DATA_FIELDS if name in sent})
    if "campaign_id" in changed and lead.campaign_name is not None:
        lead.campaign_name = None  # the name marketing gave was the former campaign's
        changed.append("campaign_name")
    if "external_id" in changed:
        await ensure_external_id_free(uow, lead)
    if "email" in changed or "phone" in changed:
        _refresh_keys(lead, settings)
        await check_duplicates(uow, lead, settings)
        if lead.customer_id is None:
            leads = LeadRepository(uow.session)
            lead.customer_id = await leads.matching_customer(
                lead.email_normalized, lead.phone_normalized
            )
            if lead.customer_id is not None:
                changed.append("customer_id")
    if body.status is not None and body.status != lead.status:
        move(lead, LeadStatus(body.status))
        changed.append("status")
    if SCORED_FIELDS.intersection(changed):
        changed += await scoring.rescore(uow, lead, settings)
    record_change(uow, lead, changed)
    return lead


async def disqualify(
    uow: UnitOfWork, lead_id: str, reason: str, expected: ExpectedVersion, scope: RecordScope
) -> Lead:
    await ensure_reachable(uow, lead_id, scope)
    lead = await load(uow, lead_id)
    check_version(expected, lead.version)
    move(lead, LeadStatus.DISQUALIFIED)
    lead.disqualified_reason = reason
    record_change(uow, lead, ["status", "disqualified_reason"])
    return lead


# --- what other aggregates and services change -------------------------------------------


async def activity_done(uow: UnitOfWork, lead_id: str, settings: SalesSettings) -> None:
    """An activity for the lead was done: one more, and the score again."""
    lead = await LeadRepository(uow.session).get(lead_id)
    if lead is None:
        return
    lead.activities_done = (lead.activities_done or 0) + 1
    changed = ["activities_done", *await scoring.rescore(uow, lead, settings)]
    record_change(uow, lead, changed)


async def open_for_response(
    uow: UnitOfWork, response: Responded, settings: SalesSettings
) -> Lead | None:
    """Marketing's customer answered a campaign: a lead for them, with the campaign as its
    source, owned by the customer's owner (an unowned customer's lead is routed as any).
    One lead per response (its id derives from the response's); nothing for a customer
    this view does not know or knows erased.

    The lead names the customer but copies no e-mail or phone: the customer master holds
    them, and a second response must not be refused as a duplicate of the first lead."""
    lead_id = derived_id(RESPONSE_LEAD, response.response_id)
    leads = LeadRepository(uow.session)
    if await leads.get(lead_id) is not None:
        return None
    customer = await leads.customer(response.customer_id)
    if customer is None or customer.get("status") != "active":
        return None
    owner = customer.get("owner")
    values = {
        "name": shortened(customer.get("name") or response.campaign_name, NAME_LENGTH),
        "company": shortened(customer["company"], NAME_LENGTH) if customer.get("company") else None,
        "source": CAMPAIGN_SOURCE,
        "campaign_id": response.campaign_id,
        "owner": owner,
    }
    draft = LeadDraft(
        values=values,
        email_key=None,
        phone_key=None,
        routed=owner is None,
        match_customer=False,
        lead_id=lead_id,
        campaign_name=shortened(response.campaign_name, NAME_LENGTH),
        campaign_responses=1,
    )
    return (await _create(uow, draft, str(customer["id"]), settings)).lead
