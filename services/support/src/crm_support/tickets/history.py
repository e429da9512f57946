"""The ticket's story: every step written as it happens, with who and when."""

from typing import Any

from crm_shared.db import UnitOfWork

from crm_support.tickets.models import TicketHistoryEntry


def record(
    uow: UnitOfWork,
    ticket_id: str,
    kind: str,
    actor: str,
    *,
    text: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    **details: Any,
) -> TicketHistoryEntry:
    """Add one entry (``kind``: created, transition, contact, note, handover, escalation,
    target_met, target_breached, promise, change, ...) stamped now."""
    entry = TicketHistoryEntry(
        ticket_id=ticket_id,
        at=uow.clock.now(),
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        text=text,
        details={key: value for key, value in details.items() if value is not None},
    )
    uow.session.add(entry)
    return entry
