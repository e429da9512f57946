"""The lists of tickets: the queue (the nearest running target first) and by receipt."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_shared.cursors import InvalidCursorError, Slice, encode_cursor
from crm_shared.db import UnitOfWork

from crm_support.settings import SupportSettings
from crm_support.sla import targets
from crm_support.tickets.repository import TicketQuery, TicketRepository
from crm_support.tickets.service import TicketDetails


async def search_tickets(
    uow: UnitOfWork,
    query: TicketQuery,
    sort: str,
    cursor: dict[str, Any] | None,
    limit: int,
    settings: SupportSettings,
    *,
    count: bool = False,
) -> Slice[TicketDetails]:
    """``sort`` "due" (the queue; its cursor is a position, as the queue reorders itself
    as targets fall due) or "received" (keyset on the receipt time)."""
    repository = TicketRepository(uow.session)
    query = replace(query, now=uow.clock.now())
    if cursor is not None and cursor.get("order") != sort:
        raise InvalidCursorError("the cursor belongs to another list; start again without one")
    following: dict[str, Any] | None = None
    if sort == "due":
        offset = cursor.get("offset", 0) if cursor else 0
        if not isinstance(offset, int) or offset < 0:
            raise InvalidCursorError()
        rows = await repository.by_due(query, offset, limit + 1)
        if len(rows) > limit:
            following = {"order": sort, "offset": offset + limit}
    else:
        after = _received_position(cursor)
        rows = await repository.by_received(query, after, limit + 1)
        if len(rows) > limit:
            last = rows[limit - 1]
            following = {"order": sort, "key": last.received_at.isoformat(), "id": last.id}
    page = rows[:limit]
    found = await repository.targets_of([ticket.id for ticket in page])
    now = uow.clock.now()
    items = [
        TicketDetails(
            ticket,
            [targets.shown(ticket, target, now, settings) for target in found[ticket.id]],
            [],
        )
        for ticket in page
    ]
    total = await repository.count(query) if count else None
    return Slice(items, encode_cursor(following) if following else None, total)


def _received_position(cursor: dict[str, Any] | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        key = datetime.fromisoformat(str(cursor["key"]))
        ticket_id = cursor["id"]
    except (KeyError, ValueError) as error:
        raise InvalidCursorError() from error
    if not isinstance(ticket_id, str) or key.tzinfo is None:
        raise InvalidCursorError()
    return key, ticket_id
