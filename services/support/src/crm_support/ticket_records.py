"""What surveys and recoveries need of a ticket: read it (locked, so that two answers on one
ticket queue) and add to its history. They never change the ticket itself: that is the
ticket flow's (``crm_support.tickets``)."""

from datetime import datetime
from typing import Any

from crm_shared.db import RepositoryBase
from crm_shared.errors import NotFoundError

from crm_support.tickets.models import Ticket, TicketHistoryEntry


class TicketRecords(RepositoryBase[Ticket]):
    model = Ticket

    async def existing(self, ticket_id: str, *, lock: bool = False) -> Ticket:
        """The ticket, or NotFoundError; ``lock``: FOR UPDATE (PostgreSQL)."""
        ticket = await self.get(ticket_id, for_update=lock)
        if ticket is None:
            raise NotFoundError.of("ticket", ticket_id)
        return ticket

    def add_history(
        self,
        ticket: Ticket,
        *,
        kind: str,
        actor: str,
        at: datetime,
        text: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            TicketHistoryEntry(
                ticket_id=ticket.id,
                kind=kind,
                actor=actor,
                at=at,
                text=text,
                details=details or {},
            )
        )
