"""Use cases of tickets: open one (its targets start, the major rules run, a group
complaint may raise a crisis alert), move it through the flow, record contacts, notes and
hand-overs, change its facts (a new priority re-plans its targets), escalate it, promise a
reply, and the breach of a target. Never commits.

For the other packages of the service: :func:`follow_up_recorded` (the follow-up survey
was answered) and :func:`breached` (the ``sla.breach`` timer's consequences).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from crm_shared.auth.tokens import Forbidden
from crm_shared.contracts.support import (
    Category,
    Channel,
    SlaBreached,
    TargetName,
    TicketKind,
    TicketOpened,
)
from crm_shared.contracts.support import TicketStatus as S
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_support.db import FIRST_VERSION
from crm_support.settings import SupportSettings
from crm_support.sla import targets
from crm_support.sla.targets import ShownTarget
from crm_support.tickets import escalation, flow, history
from crm_support.tickets.models import Ticket, TicketHistoryEntry, TicketTarget
from crm_support.tickets.repository import TicketRepository
from crm_support.tickets.rules import (
    MANUAL,
    causes_of,
    merged_reasons,
)
from crm_support.tickets.schemas import (
    ContactIn,
    EscalateIn,
    HandoverIn,
    TicketCreate,
    TicketPatch,
    TransitionIn,
)


@dataclass(frozen=True)
class Caller:
    """Who acts: their user id, and whether they hold support:manage."""

    id: str
    manages: bool = False


@dataclass(frozen=True)
class TicketDetails:
    """A ticket as clients see it: its targets shown now, and (when read alone) its history."""

    ticket: Ticket
    targets: list[ShownTarget]
    history: list[TicketHistoryEntry]


async def load(uow: UnitOfWork, ticket_id: str) -> Ticket:
    return await TicketRepository(uow.session).existing(ticket_id)


async def load_current(uow: UnitOfWork, ticket_id: str, expected: ExpectedVersion) -> Ticket:
    """The ticket a change is about, at the version the caller saw (412 otherwise)."""
    ticket = await load(uow, ticket_id)
    check_version(expected, ticket.version)
    return ticket


async def details(
    uow: UnitOfWork, ticket: Ticket, settings: SupportSettings, *, with_history: bool = True
) -> TicketDetails:
    repository = TicketRepository(uow.session)
    now = uow.clock.now()
    shown = [
        targets.shown(ticket, target, now, settings)
        for target in await repository.targets(ticket.id)
    ]
    entries = await repository.history(ticket.id) if with_history else []
    return TicketDetails(ticket, shown, entries)


async def get_ticket(uow: UnitOfWork, ticket_id: str, settings: SupportSettings) -> TicketDetails:
    return await details(uow, await load(uow, ticket_id), settings)


# --- creation ------------------------------------------------------------------------------


def _check_cause(category: str, cause: str | None) -> None:
    if cause is not None and cause not in causes_of(Category(category)):
        allowed = ", ".join(causes_of(Category(category)))
        raise InvalidError(
            f"cause {cause!r} is not one of the category {category}: {allowed}",
            location="body.cause",
        )


async def create_ticket(
    uow: UnitOfWork, body: TicketCreate, settings: SupportSettings, *, actor: str
) -> Ticket:
    """Open a ticket. The customer must be known to the support service's view (an erased
    one is not); the receiver owns it; its targets start; a complaint may be major at once."""
    repository = TicketRepository(uow.session)
    customer = await repository.customer(body.customer_id)
    if customer is None or customer["status"] != "active":
        raise UnknownReferenceError(
            f"customer {body.customer_id} is not known to the support service",
            location="body.customer_id",
        )
    _check_cause(body.category, body.cause)
    now = uow.clock.now()
    department = body.department or await repository.team_of(body.received_by)
    fields = body.model_dump(exclude={"customer_id", "department"})
    ticket = Ticket(
        **fields,
        id=str(uuid.uuid4()),
        customer_id=customer["id"],
        status=S.RECEIVED.value,
        was_grievance=False,
        inconsistent_answers=False,
        owner=body.received_by,
        department=department,
        # A paying customer (past the prospect stages) is a long-standing one to support.
        long_standing=customer.get("lifecycle_stage") == "customer",
        major=False,
        major_reasons=[],
        contacts=0,
        handovers=0,
        reopened=0,
        received_at=now,
        clock_consumed_seconds=0.0,
        clock_running_since=now,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    repository.add(ticket)
    await uow.session.flush()
    history.record(uow, ticket.id, "created", actor, to_status=S.RECEIVED.value)
    await targets.start(uow, ticket, TargetName.FIRST_CONTACT, settings)
    await targets.start(uow, ticket, TargetName.PROPOSAL, settings)
    escalated, _ = await escalation.reevaluate(uow, ticket, settings, actor=actor)
    snapshot = await escalation.current_snapshot(uow, ticket)
    uow.record(TicketOpened(record_id=ticket.id, customer_id=ticket.customer_id, ticket=snapshot))
    if escalated is not None:
        uow.record(escalation.escalated_event(ticket, escalated, snapshot))
    if ticket.kind == TicketKind.COMPLAINT:
        await escalation.group_complaint(uow, ticket, settings)
    return ticket


# --- the flow ------------------------------------------------------------------------------


def _refuse_move(ticket: Ticket, to: S) -> ConflictError:
    allowed = flow.allowed_moves(TicketKind(ticket.kind), S(ticket.status), _resume_status(ticket))
    names = [status.value for status in allowed]
    return ConflictError(
        f"a {ticket.kind} in status {ticket.status} cannot go to {to.value}; allowed: "
        f"{', '.join(names) or 'none'}",
        code="transition-not-allowed",
        allowed=names,
    )


def _resume_status(ticket: Ticket) -> S | None:
    return S(ticket.resume_status) if ticket.resume_status else None


def _check_sign_off(ticket: Ticket, body: TransitionIn, caller: Caller) -> None:
    """A major complaint closes with the sign-off of its manager, senior management or a
    holder of support:manage, and the lessons learned from it."""
    if not body.lessons_learned:
        raise ConflictError(
            "a major complaint closes only with its lessons_learned (and a manager's sign-off)",
            code="sign-off-required",
        )
    if not (caller.manages or caller.id in (ticket.manager, ticket.senior)):
        raise Forbidden(
            "a major complaint closes only with the sign-off of its manager, senior "
            "management or a holder of support:manage",
            code="sign-off-not-allowed",
        )


async def transition(
    uow: UnitOfWork,
    ticket_id: str,
    body: TransitionIn,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    ticket = await load_current(uow, ticket_id, expected)
    await _move(uow, ticket, body, settings, caller)
    return ticket


async def _move(
    uow: UnitOfWork, ticket: Ticket, body: TransitionIn, settings: SupportSettings, caller: Caller
) -> None:
    origin, to = S(ticket.status), body.to
    kind = TicketKind(ticket.kind)
    if not flow.may_move(kind, origin, to, _resume_status(ticket)):
        raise _refuse_move(ticket, to)
    if to == S.CLOSED and ticket.major:
        _check_sign_off(ticket, body, caller)
    now = uow.clock.now()
    fields = {"status"}
    ticket.status = to.value
    if to == S.WAITING_ON_CUSTOMER:
        ticket.resume_status = origin.value
        await targets.pause(uow, ticket, settings)
    elif origin == S.WAITING_ON_CUSTOMER:
        ticket.resume_status = None
        await targets.resume(uow, ticket, settings)
    if to == S.ACKNOWLEDGED and origin == S.RECEIVED:
        ticket.first_contact_at = ticket.first_contact_at or now
        await targets.meet(uow, ticket, TargetName.FIRST_CONTACT, settings, actor=caller.id)
    elif to == S.RESOLUTION_PROPOSED:
        await targets.meet(uow, ticket, TargetName.PROPOSAL, settings, actor=caller.id)
    elif to == S.RESOLVED:
        ticket.resolved_at = now
        fields.add("resolved_at")
        await targets.meet(uow, ticket, TargetName.PROPOSAL, settings, actor=caller.id)
        if kind == TicketKind.COMPLAINT:
            await targets.start(uow, ticket, TargetName.FOLLOW_UP, settings)
    elif to == S.FOLLOW_UP_DONE:
        await targets.meet(uow, ticket, TargetName.FOLLOW_UP, settings, actor=caller.id)
    elif to == S.CLOSED:
        await targets.cancel_open(uow, ticket, actor=caller.id)
        await targets.pause(uow, ticket, settings)
        ticket.closed_at = now
        fields.add("closed_at")
        if ticket.major:
            ticket.signed_off_by, ticket.lessons_learned = caller.id, body.lessons_learned
    elif to == S.REOPENED:
        ticket.reopened += 1
        ticket.resolved_at = ticket.closed_at = None
        fields |= {"resolved_at", "closed_at"}
        await targets.cancel_open(uow, ticket, actor=caller.id, only=TargetName.FOLLOW_UP)
        await targets.resume(uow, ticket, settings)
    history.record(
        uow,
        ticket.id,
        "transition",
        caller.id,
        text=body.note,
        from_status=origin.value,
        to_status=to.value,
    )
    await escalation.changed(uow, ticket, fields, from_status=origin.value)


# --- contacts, notes, hand-overs ---------------------------------------------------------


async def record_contact(
    uow: UnitOfWork,
    ticket_id: str,
    body: ContactIn,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    """A contact with the customer. By the owner or the handler it meets first_contact; by
    senior management (the ticket's senior, or support:manage) it meets major_reply; any
    contact keeps a promised reply."""
    ticket = await load_current(uow, ticket_id, expected)
    ticket.contacts += 1
    history.record(
        uow,
        ticket.id,
        "contact",
        caller.id,
        text=body.summary,
        direction=body.direction,
        channel=body.channel.value,
    )
    if caller.id in (ticket.owner, ticket.handler):
        ticket.first_contact_at = ticket.first_contact_at or uow.clock.now()
        await targets.meet(uow, ticket, TargetName.FIRST_CONTACT, settings, actor=caller.id)
    if caller.manages or caller.id == ticket.senior:
        await targets.meet(uow, ticket, TargetName.MAJOR_REPLY, settings, actor=caller.id)
    await targets.meet(uow, ticket, TargetName.PROMISED_REPLY, settings, actor=caller.id)
    escalated, reasons_changed = await escalation.reevaluate(uow, ticket, settings, actor=caller.id)
    fields = {"contacts", *(["major", "major_reasons"] if reasons_changed else [])}
    await escalation.changed(uow, ticket, fields, escalated=escalated)
    return ticket


async def add_note(
    uow: UnitOfWork, ticket_id: str, text: str, expected: ExpectedVersion, caller: Caller
) -> Ticket:
    ticket = await load_current(uow, ticket_id, expected)
    history.record(uow, ticket.id, "note", caller.id, text=text)
    await escalation.changed(uow, ticket, ["history"])
    return ticket


async def hand_over(
    uow: UnitOfWork,
    ticket_id: str,
    body: HandoverIn,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    """An explicit, recorded hand-over of ownership (ownership never drops)."""
    ticket = await load_current(uow, ticket_id, expected)
    if body.to == ticket.owner:
        raise ConflictError(f"{body.to} owns ticket {ticket.id} already", code="same-owner")
    history.record(
        uow,
        ticket.id,
        "handover",
        caller.id,
        text=body.reason,
        **{"from": ticket.owner, "to": body.to},
    )
    ticket.owner = body.to
    ticket.handovers += 1
    escalated, reasons_changed = await escalation.reevaluate(uow, ticket, settings, actor=caller.id)
    fields = {"owner", "handovers", *(["major", "major_reasons"] if reasons_changed else [])}
    await escalation.changed(uow, ticket, fields, escalated=escalated)
    return ticket


# --- changes, escalation, promises ----------------------------------------------------------


async def patch_ticket(
    uow: UnitOfWork,
    ticket_id: str,
    body: TicketPatch,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    ticket = await load_current(uow, ticket_id, expected)
    sent = body.model_dump(exclude_unset=True)
    if "inconsistent_answers" in sent and not (caller.manages or caller.id == ticket.manager):
        raise Forbidden(
            "only the ticket's manager or a holder of support:manage flags inconsistent answers",
            code="manager-only",
        )
    changed = [name for name, value in sorted(sent.items()) if getattr(ticket, name) != value]
    if not changed:
        return ticket
    if "cause" in changed:
        _check_cause(ticket.category, sent["cause"])
    handler = sent.get("handler", ticket.handler)
    officer = sent.get("follow_up_officer", ticket.follow_up_officer)
    if officer is not None and officer == handler:
        raise InvalidError(
            "the follow-up is made by someone other than the handler",
            location="body.follow_up_officer",
        )
    for name in changed:
        setattr(ticket, name, sent[name])
    if "grievance" in changed:
        ticket.was_grievance = True
        changed.append("was_grievance")
    if "priority" in changed:
        await targets.replan(uow, ticket, settings)
        changed.append("targets")
    history.record(uow, ticket.id, "change", caller.id, fields=changed)
    escalated, reasons_changed = await escalation.reevaluate(uow, ticket, settings, actor=caller.id)
    if reasons_changed:
        changed += ["major", "major_reasons"]
    await escalation.changed(uow, ticket, changed, escalated=escalated)
    return ticket


async def escalate(
    uow: UnitOfWork,
    ticket_id: str,
    body: EscalateIn,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    """Escalation by hand: the manager is added; with ``major`` the complaint turns major."""
    ticket = await load_current(uow, ticket_id, expected)
    if body.major and ticket.kind != TicketKind.COMPLAINT:
        raise ConflictError(
            f"only complaints are major; ticket {ticket.id} is a {ticket.kind}",
            code="not-a-complaint",
        )
    turn_major = body.major and not ticket.major
    if turn_major:
        ticket.major = True
        ticket.major_reasons = merged_reasons(list(ticket.major_reasons or []), [MANUAL])
    await escalation.escalate(
        uow,
        ticket,
        settings,
        actor=caller.id,
        reasons=[MANUAL],
        major=ticket.major,
        text=body.reason,
    )
    fields = ["manager", *(["major", "major_reasons", "senior"] if turn_major else [])]
    await escalation.changed(uow, ticket, fields, escalated=[MANUAL])
    return ticket


async def promise_reply(
    uow: UnitOfWork,
    ticket_id: str,
    reply_by: datetime,
    settings: SupportSettings,
    expected: ExpectedVersion,
    caller: Caller,
) -> Ticket:
    ticket = await load_current(uow, ticket_id, expected)
    if S(ticket.status) == S.CLOSED:
        raise ConflictError(f"ticket {ticket.id} is closed", code="ticket-closed")
    await targets.promise(uow, ticket, reply_by, settings, actor=caller.id)
    await escalation.changed(uow, ticket, ["targets"])
    return ticket


# --- what the timers and the other packages call ---------------------------------------------


async def breached(
    uow: UnitOfWork, ticket: Ticket, target: TicketTarget, settings: SupportSettings
) -> None:
    """A target was breached (``targets.breach``): a complaint turns major (reason
    ``breached:<target>``) and escalates to a manager and senior management; an inquiry or
    request, never major, still escalates to a manager. SlaBreached is published."""
    reason = f"breached:{target.target}"
    escalated, _ = await escalation.reevaluate(
        uow, ticket, settings, actor="system", extra=[reason], rules=False
    )
    if ticket.kind != TicketKind.COMPLAINT:
        await escalation.escalate(
            uow, ticket, settings, actor="system", reasons=[reason], major=False
        )
        escalated = [reason]
    snapshot = await escalation.changed(
        uow, ticket, ["targets", "major", "major_reasons"], escalated=escalated
    )
    assert target.breached_at is not None
    assert target.breached_due_at is not None
    uow.record(
        SlaBreached(
            record_id=ticket.id,
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            target=TargetName(target.target),
            due_at=target.breached_due_at,
            breached_at=target.breached_at,
            owner=ticket.owner,
            ticket=snapshot,
        )
    )


async def follow_up_recorded(
    uow: UnitOfWork,
    ticket_id: str,
    *,
    actor: str,
    dissatisfied: bool,
    settings: SupportSettings,
) -> Ticket | None:
    """The follow-up survey of a ticket was answered: a resolved ticket goes to
    follow_up_done (its follow_up target is met). When the customer is ``dissatisfied`` a
    new complaint opens for them (service_quality, the original's channel, received by the
    original's owner) and is returned; else None."""
    ticket = await load(uow, ticket_id)
    if S(ticket.status) == S.RESOLVED:
        await _move(uow, ticket, TransitionIn(to=S.FOLLOW_UP_DONE), settings, Caller(actor))
    if not dissatisfied:
        return None
    body = TicketCreate(
        customer_id=ticket.customer_id,
        kind=TicketKind.COMPLAINT,
        category=Category.SERVICE_QUALITY,
        channel=Channel(ticket.channel),
        description=f"follow-up of ticket {ticket.id}: the customer is not satisfied",
        received_by=ticket.owner,
    )
    return await create_ticket(uow, body, settings, actor=actor)
