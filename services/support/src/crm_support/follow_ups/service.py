"""Use cases of service visits and follow-up calls: record a visit (a fact, like an order,
and a follow-up call after it), schedule a call after a sale, list and read them, record a
call's outcome (a "not fixed" or dissatisfied answer opens a complaint at once), the due
timer, and the per-staff report. Never commits."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_shared.clock import day_of
from crm_shared.contracts.sales import OrderPlaced
from crm_shared.contracts.support import Category, Channel, FollowUpReason, TicketKind
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.timers import Timer, cancel, schedule

from crm_support.follow_ups import rules
from crm_support.follow_ups.events import call_done, call_due, visit_recorded
from crm_support.follow_ups.models import FollowUpCall, Visit
from crm_support.follow_ups.repository import CallQuery, FollowUpCallRepository, VisitRepository
from crm_support.follow_ups.schemas import CallFilter, DueFilter, OutcomeIn, VisitIn
from crm_support.reports.service import period_of
from crm_support.settings import SupportSettings
from crm_support.tickets.schemas import TicketCreate
from crm_support.tickets.service import create_ticket

DUE_KIND = "follow_up.due"  # keyed by the call's id
VISIT_POSITION = (("visited_at", instant), ("id", text))
CALL_POSITION = (("due_at", instant), ("id", text))


# --- visits --------------------------------------------------------------------------------


async def record_visit(
    uow: UnitOfWork, body: VisitIn, settings: SupportSettings, *, actor: str
) -> Visit:
    """Record a visit of a customer known to the support view (an erased one is not),
    publish VisitRecorded and schedule the follow-up call (owner: the visit's staff)."""
    repository = VisitRepository(uow.session)
    customer = await repository.customer(body.customer_id)
    if customer is None or customer["status"] != "active":
        raise UnknownReferenceError(
            f"customer {body.customer_id} is not known to the support service",
            location="body.customer_id",
        )
    now = uow.clock.now()
    if body.visited_at is not None and body.visited_at > now:
        raise InvalidError("a visit is recorded once it took place", location="body.visited_at")
    visit = Visit(
        id=str(uuid.uuid4()),
        customer_id=customer["id"],
        kind=body.kind.value,
        staff=body.staff,
        notes=body.notes,
        visited_at=body.visited_at or now,
        recorded_by=actor,
        recorded_at=now,
    )
    repository.add(visit)
    await repository.flush()
    uow.record(visit_recorded(visit))
    owner = rules.owner_of(visit.staff, settings.follow_up_default_owner)
    await schedule_call(uow, FollowUpReason.VISIT, visit.id, visit.customer_id, owner, settings)
    return visit


async def get_visit(uow: UnitOfWork, visit_id: str) -> Visit:
    visit = await VisitRepository(uow.session).get(visit_id)
    if visit is None:
        raise NotFoundError.of("visit", visit_id)
    return visit


async def list_visits(
    uow: UnitOfWork, customer_id: str | None, cursor: str | None, limit: int
) -> Slice[Visit]:
    """Oldest first (keyset on the visit's time)."""
    after = position_of(cursor, VISIT_POSITION)
    rows = await VisitRepository(uow.session).page(customer_id, after, limit + 1)
    return slice_of(rows, limit, lambda visit: (visit.visited_at, visit.id), VISIT_POSITION)


# --- scheduling calls ----------------------------------------------------------------------


async def schedule_call(
    uow: UnitOfWork,
    reason: FollowUpReason,
    source_id: str,
    customer_id: str,
    owner: str,
    settings: SupportSettings,
) -> str | None:
    """The follow-up call of an order or a visit, due ``follow_up_call_within`` from now,
    with its due timer; None when that order or visit has one already."""
    now = uow.clock.now()
    call_id = str(uuid.uuid4())
    due_at = now + settings.follow_up_call_within
    row: dict[str, Any] = {
        "id": call_id,
        "customer_id": customer_id,
        "reason": reason.value,
        "source_id": source_id,
        "owner": owner,
        "due_at": due_at,
        "state": rules.OPEN,
        "lead_spotted": False,
        "created_at": now,
    }
    if not await FollowUpCallRepository(uow.session).add_once(row):
        return None
    await schedule(uow, kind=DUE_KIND, key=call_id, due_at=due_at)
    return call_id


async def order_placed(uow: UnitOfWork, event: OrderPlaced, settings: SupportSettings) -> None:
    """A sale: its follow-up call (one per order, however often the event comes), with the
    order's owner; none for an order from the history import or one whose follow-up window
    has passed already, nor for a customer the support view knows as erased."""
    order = event.order
    if not settings.follow_up_after_orders or not rules.calls_after(
        order, uow.clock.now(), settings
    ):
        return
    customer = await VisitRepository(uow.session).customer(order.customer_id)
    if customer is not None and customer["status"] != "active":
        return
    customer_id = customer["id"] if customer is not None else order.customer_id
    owner = rules.owner_of(order.owner, settings.follow_up_default_owner)
    await schedule_call(uow, FollowUpReason.ORDER, order.id, customer_id, owner, settings)


async def on_due(uow: UnitOfWork, timer: Timer) -> None:
    """The due timer fired: FollowUpCallDue once, unless the call is done (or gone)."""
    call = await FollowUpCallRepository(uow.session).get(timer.key)
    if call is not None and call.state == rules.OPEN:
        uow.record(call_due(call))


# --- calls ---------------------------------------------------------------------------------


async def get_call(uow: UnitOfWork, call_id: str, *, lock: bool = False) -> FollowUpCall:
    call = await FollowUpCallRepository(uow.session).get(call_id, for_update=lock)
    if call is None:
        raise NotFoundError.of("follow-up call", call_id)
    return call


def _query_of(filters: CallFilter, now: datetime) -> CallQuery:
    query = CallQuery(
        owner=filters.owner,
        state=filters.state.value if filters.state else None,
        customer_id=filters.customer_id,
    )
    if filters.due is DueFilter.OVERDUE:
        return replace(query, open_past=now)
    if filters.due is DueFilter.TODAY:
        today = day_of(now, filters.tz)
        return replace(query, due_from=today.start, due_before=today.end)
    return query


async def list_calls(
    uow: UnitOfWork, filters: CallFilter, cursor: str | None, limit: int
) -> Slice[FollowUpCall]:
    """By due time (keyset); ``due``: overdue (open, past due now) or due today."""
    after = position_of(cursor, CALL_POSITION)
    query = _query_of(filters, uow.clock.now())
    rows = await FollowUpCallRepository(uow.session).page(query, after, limit + 1)
    return slice_of(rows, limit, lambda call: (call.due_at, call.id), CALL_POSITION)


async def record_outcome(
    uow: UnitOfWork, call_id: str, body: OutcomeIn, settings: SupportSettings, *, actor: str
) -> FollowUpCall:
    """The call was made: its answers, done now; its timer is cancelled. A "not fixed" or
    dissatisfied answer opens a service-quality complaint at once, received by the call's
    owner; FollowUpCallDone names it."""
    # Locked: two outcomes at once must not both pass the "still open" check.
    call = await get_call(uow, call_id, lock=True)
    if call.state != rules.OPEN:
        raise ConflictError(
            f"follow-up call {call.id} is done already ({call.done_at}); its outcome stands",
            code="follow-up-call-done",
        )
    for name in ("problem_fixed", "questions_answered", "next_service_date", "satisfied", "note"):
        setattr(call, name, getattr(body, name))
    call.lead_spotted = body.lead_spotted
    call.state, call.done_at, call.done_by = rules.DONE, uow.clock.now(), actor
    if rules.opens_complaint(call.problem_fixed, call.satisfied):
        ticket = await create_ticket(uow, _complaint_of(call), settings, actor=actor)
        call.complaint_ticket_id = ticket.id
    await cancel(uow, DUE_KIND, call.id)
    await uow.session.flush()
    uow.record(call_done(call))
    return call


def _complaint_of(call: FollowUpCall) -> TicketCreate:
    answers = []
    if call.problem_fixed is False:
        answers.append("the problem is not fixed")
    if call.satisfied is False:
        answers.append("the customer is dissatisfied")
    return TicketCreate(
        customer_id=call.customer_id,
        kind=TicketKind.COMPLAINT,
        category=Category.SERVICE_QUALITY,
        channel=Channel.PHONE,
        subject=f"Follow-up call after a {call.reason}: {' and '.join(answers)}",
        description=f"Opened by follow-up call {call.id} (after {call.reason} "
        f"{call.source_id}): {' and '.join(answers)}.",
        received_by=call.owner,
    )


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpReport:
    period: str
    tz: str
    start: datetime
    end: datetime
    owners: Sequence[rules.OwnerTally]


async def follow_up_report(uow: UnitOfWork, period: str, tz: str) -> FollowUpReport:
    bounds = period_of(period, tz)
    calls = await FollowUpCallRepository(uow.session).due_between(bounds.start, bounds.end)
    owners = rules.tally(calls, uow.clock.now())
    return FollowUpReport(bounds.label, bounds.tz, bounds.start, bounds.end, owners)
