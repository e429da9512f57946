"""What happens to a ticket besides its own change: the events that publish a change, the
major rules run on it (turning major is escalation: the owner's team manager, senior
management and the major_reply target), and group complaints (a crisis alert)."""

import uuid
from collections.abc import Collection
from datetime import timedelta

from crm_shared.contracts.support import (
    CrisisRaised,
    TargetName,
    TicketChanged,
    TicketEscalated,
    TicketKind,
    TicketSnapshot,
    TicketStatus,
)
from crm_shared.db import UnitOfWork

from crm_support.settings import SupportSettings
from crm_support.sla import targets
from crm_support.tickets import flow, history
from crm_support.tickets.events import snapshot_of
from crm_support.tickets.models import CrisisAlert, Ticket
from crm_support.tickets.repository import TicketRepository
from crm_support.tickets.rules import MajorFacts, major_reasons, merged_reasons


async def current_snapshot(uow: UnitOfWork, ticket: Ticket) -> TicketSnapshot:
    found = await TicketRepository(uow.session).targets(ticket.id)
    return snapshot_of(ticket, found, uow.clock.now())


async def changed(
    uow: UnitOfWork,
    ticket: Ticket,
    fields: Collection[str],
    *,
    from_status: str | None = None,
    escalated: list[str] | None = None,
) -> TicketSnapshot:
    """One change step of the ticket: its next version, and the events that say so;
    returns the ticket's snapshot as published."""
    ticket.touch(uow.clock.now())
    snapshot = await current_snapshot(uow, ticket)
    if escalated is not None:
        uow.record(escalated_event(ticket, escalated, snapshot))
    uow.record(
        TicketChanged(
            record_id=ticket.id,
            customer_id=ticket.customer_id,
            changed_fields=sorted(set(fields)),
            from_status=from_status,
            ticket=snapshot,
        )
    )
    return snapshot


def escalated_event(
    ticket: Ticket, reasons: list[str], snapshot: TicketSnapshot
) -> TicketEscalated:
    return TicketEscalated(
        record_id=ticket.id,
        customer_id=ticket.customer_id,
        reasons=reasons,
        manager=ticket.manager,
        senior=ticket.senior,
        ticket=snapshot,
    )


async def major_facts(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> MajorFacts:
    repository = TicketRepository(uow.session)
    customer = await repository.customer(ticket.customer_id) or {}
    since = ticket.received_at - timedelta(days=settings.major_repeat_window_days)
    repeat = await repository.has_earlier_complaint(
        ticket.customer_id, ticket.category, since, before=ticket
    )
    return MajorFacts(
        kind=TicketKind(ticket.kind),
        customer_tags=customer.get("tags") or (),
        value_class=customer.get("value_class"),
        complainant_profile=ticket.complainant_profile,
        intensity=ticket.intensity,
        compensation_demanded=ticket.compensation_demanded,
        repeat_complaint=repeat,
        contacts=ticket.contacts,
        resolved=TicketStatus(ticket.status) in flow.RESOLVED,
        handovers=ticket.handovers,
        inconsistent_answers=ticket.inconsistent_answers,
    )


async def escalate(
    uow: UnitOfWork,
    ticket: Ticket,
    settings: SupportSettings,
    *,
    actor: str,
    reasons: list[str],
    major: bool,
    text: str | None = None,
) -> None:
    """Add the owner's team manager (else the escalation manager); a major complaint also
    gets senior management and its major_reply target. The major_reply target counts from
    receipt (clock reading 0): the time the complaint took to turn major counts."""
    repository = TicketRepository(uow.session)
    ticket.manager = (
        ticket.manager or await repository.manager_of(ticket.owner) or settings.escalation_manager
    )
    if major:
        ticket.senior = ticket.senior or settings.senior_management
        if await repository.target(ticket.id, TargetName.MAJOR_REPLY) is None:
            await targets.start(uow, ticket, TargetName.MAJOR_REPLY, settings, start_reading=0.0)
    history.record(
        uow,
        ticket.id,
        "escalation",
        actor,
        text=text,
        reasons=reasons,
        manager=ticket.manager,
        senior=ticket.senior,
        major=major,
    )


async def reevaluate(
    uow: UnitOfWork,
    ticket: Ticket,
    settings: SupportSettings,
    *,
    actor: str,
    extra: Collection[str] = (),
    rules: bool = True,
) -> tuple[list[str] | None, bool]:
    """Run the major rules (``rules``; without, only the ``extra`` reasons count: a breach
    adds its own to what the last change found): (the reasons when the complaint newly
    turned major, else None; whether its reasons changed). Reasons only add up: major never
    silently drops."""
    if ticket.kind != TicketKind.COMPLAINT:
        return None, False
    found = list(extra)
    if rules:
        found = major_reasons(await major_facts(uow, ticket, settings), settings) + found
    merged = merged_reasons(list(ticket.major_reasons or []), found)
    if merged == list(ticket.major_reasons or []):
        return None, False
    ticket.major_reasons = merged
    if ticket.major:
        return None, True
    ticket.major = True
    await escalate(uow, ticket, settings, actor=actor, reasons=found, major=True)
    return found, True


async def group_complaint(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> None:
    """``crisis_threshold`` complaints on one cause (or one product) within the window raise
    a crisis alert to senior management, once per subject and window."""
    repository = TicketRepository(uow.session)
    now = uow.clock.now()
    since = now - timedelta(days=settings.crisis_window_days)
    for column in ("cause", "product"):
        value = getattr(ticket, column)
        if value is None:
            continue
        about = f"{column}:{value}"
        ticket_ids = await repository.complaints_about(column, value, since)
        if len(ticket_ids) < settings.crisis_threshold:
            continue
        if await repository.crisis_raised(about, since):
            continue
        alert = CrisisAlert(
            id=str(uuid.uuid4()),
            about=about,
            count=len(ticket_ids),
            ticket_ids=ticket_ids,
            raised_at=now,
        )
        repository.add(alert)
        uow.record(
            CrisisRaised(
                record_id=alert.id,
                about=about,
                count=alert.count,
                window_days=settings.crisis_window_days,
                ticket_ids=ticket_ids,
                raised_at=now,
            )
        )
