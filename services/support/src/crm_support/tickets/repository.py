"""All the SQL of tickets: the tickets, their targets and history, the customer view and
the teams as the tickets need them, crisis alerts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import RepositoryBase
from crm_shared.errors import NotFoundError
from crm_shared.views.customer_view import CustomerViewRepository
from crm_shared.views.team_managers import manager_of
from crm_shared.views.value_classes import value_class_of
from sqlalchemy import ColumnElement, Select, func, select

from crm_support.db import (
    count_rows,
    customer_view_table,
    team_managers,
    team_members,
    value_classes,
)
from crm_support.tickets.flow import OPEN
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget

OPEN_STATUSES = sorted({*OPEN, "waiting_on_customer"})
# The session's set of tickets whose targets are all in the session (TicketRepository.prefetch).
PREFETCHED = "support.prefetched_tickets"
MANAGERS = "support.managers"


@dataclass(frozen=True)
class TicketQuery:
    customer_id: str | None = None
    status: str | None = None
    owner: str | None = None
    kind: str | None = None
    major: bool | None = None
    open: bool | None = None
    priority: str | None = None
    team: str | None = None  # owned by a member of this team
    target_state: str | None = None  # a target in this state as shown at ``now``
    now: datetime | None = None  # when target_state is read (at risk is a matter of time)


def _shown_in(state: str, now: datetime | None) -> ColumnElement[bool]:
    """A target's stored state as clients see it at ``now`` (``targets.shown``): a running
    target past its warning point shows at risk."""
    if state not in ("running", "at_risk") or now is None:
        return TicketTarget.state == state
    past_warning = TicketTarget.at_risk_at.is_not(None) & (TicketTarget.at_risk_at <= now)
    if state == "at_risk":
        return (TicketTarget.state == "running") & past_warning
    return (TicketTarget.state == "running") & ~past_warning


class TicketRepository(RepositoryBase[Ticket]):
    model = Ticket

    async def existing(self, ticket_id: str, *, lock: bool = False) -> Ticket:
        """The ticket, or NotFoundError; ``lock``: FOR UPDATE (PostgreSQL), so that two
        writers of one ticket (two survey answers) queue."""
        ticket = await self.get(ticket_id, for_update=lock)
        if ticket is None:
            raise NotFoundError.of("ticket", ticket_id)
        return ticket

    async def targets(self, ticket_id: str) -> list[TicketTarget]:
        if ticket_id in self._prefetched():
            return self._targets_in_session(ticket_id)
        statement = (
            select(TicketTarget)
            .where(TicketTarget.ticket_id == ticket_id)
            .order_by(TicketTarget.start_reading, TicketTarget.target)
        )
        return list((await self.session.scalars(statement)).all())

    async def prefetch(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Load the tickets and all their targets in two queries (a chunk of timers): the
        targets of these tickets are then read from the session, not the database."""
        tickets = {ticket.id: ticket for ticket in await self.get_many(list(ticket_ids))}
        known = self._prefetched()
        for ticket_id in tickets:
            known.setdefault(ticket_id, [])
        if tickets:
            statement = select(TicketTarget).where(TicketTarget.ticket_id.in_(list(tickets)))
            for target in (await self.session.scalars(statement)).all():
                known[target.ticket_id].append(target)
        return tickets

    def add(self, instance: Any) -> Any:
        if isinstance(instance, TicketTarget) and instance.ticket_id in self._prefetched():
            self._prefetched()[instance.ticket_id].append(instance)
        self.session.add(instance)
        return instance

    def _prefetched(self) -> dict[str, list[TicketTarget]]:
        """The prefetched tickets' targets, held here: the session's identity map keeps
        only weak references to unchanged objects."""
        known: dict[str, list[TicketTarget]] = self.session.info.setdefault(PREFETCHED, {})
        return known

    def _targets_in_session(self, ticket_id: str) -> list[TicketTarget]:
        found = self._prefetched()[ticket_id]
        return sorted(found, key=lambda target: (target.start_reading, target.target))

    async def targets_of(self, ticket_ids: Sequence[str]) -> dict[str, list[TicketTarget]]:
        found: dict[str, list[TicketTarget]] = {ticket_id: [] for ticket_id in ticket_ids}
        if not ticket_ids:
            return found
        statement = (
            select(TicketTarget)
            .where(TicketTarget.ticket_id.in_(ticket_ids))
            .order_by(TicketTarget.start_reading, TicketTarget.target)
        )
        for target in (await self.session.scalars(statement)).all():
            found[target.ticket_id].append(target)
        return found

    async def target(self, ticket_id: str, name: str) -> TicketTarget | None:
        if ticket_id in self._prefetched():
            found = [t for t in self._targets_in_session(ticket_id) if t.target == name]
            return found[0] if found else None
        return await self.session.get(TicketTarget, (ticket_id, name))

    async def history(self, ticket_id: str) -> list[TicketHistoryEntry]:
        statement = (
            select(TicketHistoryEntry)
            .where(TicketHistoryEntry.ticket_id == ticket_id)
            .order_by(TicketHistoryEntry.at, TicketHistoryEntry.id)
        )
        return list((await self.session.scalars(statement)).all())

    # --- what the rules look up ---------------------------------------------------------

    async def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The customer view's row (a merged alias resolved to its survivor), with the value
        class analytics last published for the customer."""
        row = await CustomerViewRepository(self.session, customer_view_table).resolve(customer_id)
        if row is None:
            return None
        published = await value_class_of(self.session, value_classes, row["id"])
        return {**row, "value_class": published or row.get("value_class")}

    async def team_of(self, user_id: str) -> str | None:
        statement = select(team_members.c.team_id).where(team_members.c.user_id == user_id)
        return await self.session.scalar(statement)

    async def manager_of(self, user_id: str) -> str | None:
        """The manager of the user's team, if both are known (asked once per session: a
        chunk of breaches escalates many tickets of few owners)."""
        known: dict[str, str | None] = self.session.info.setdefault(MANAGERS, {})
        if user_id not in known:
            known[user_id] = await manager_of(self.session, user_id, team_members, team_managers)
        return known[user_id]

    async def has_earlier_complaint(
        self, customer_id: str, category: str, since: datetime, before: Ticket
    ) -> bool:
        """Whether the customer complained in the category between ``since`` and ``before``
        was received (so a later complaint never makes an earlier one a repeat)."""
        statement = select(Ticket.id).where(
            Ticket.customer_id == customer_id,
            Ticket.kind == "complaint",
            Ticket.category == category,
            Ticket.received_at >= since,
            Ticket.received_at <= before.received_at,
            Ticket.id != before.id,
        )
        return await self.session.scalar(statement.limit(1)) is not None

    async def complaints_about(self, column: str, value: str, since: datetime) -> list[str]:
        """The complaints with this cause or product received since ``since``."""
        statement = (
            select(Ticket.id)
            .where(
                getattr(Ticket, column) == value,
                Ticket.kind == "complaint",
                Ticket.received_at >= since,
            )
            .order_by(Ticket.received_at, Ticket.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def crisis_raised(self, about: str, since: datetime) -> bool:
        statement = select(CrisisAlert.id).where(
            CrisisAlert.about == about, CrisisAlert.raised_at >= since
        )
        return await self.session.scalar(statement.limit(1)) is not None

    # --- lists --------------------------------------------------------------------------

    def _matching(self, query: TicketQuery) -> Select[Ticket]:
        statement = select(Ticket)
        for name in ("customer_id", "status", "owner", "kind", "major", "priority"):
            value = getattr(query, name)
            if value is not None:
                statement = statement.where(getattr(Ticket, name) == value)
        if query.team is not None:
            members = select(team_members.c.user_id).where(team_members.c.team_id == query.team)
            statement = statement.where(Ticket.owner.in_(members))
        if query.target_state is not None:
            statement = statement.where(
                select(TicketTarget.ticket_id)
                .where(
                    TicketTarget.ticket_id == Ticket.id, _shown_in(query.target_state, query.now)
                )
                .exists()
            )
        if query.open is True:
            statement = statement.where(Ticket.status.in_(OPEN_STATUSES))
        elif query.open is False:
            statement = statement.where(Ticket.status.not_in(OPEN_STATUSES))
        return statement

    async def by_received(
        self, query: TicketQuery, after: tuple[datetime, str] | None, limit: int
    ) -> list[Ticket]:
        statement = self._matching(query)
        if after is not None:
            statement = statement.where(
                (Ticket.received_at > after[0])
                | ((Ticket.received_at == after[0]) & (Ticket.id > after[1]))
            )
        statement = statement.order_by(Ticket.received_at, Ticket.id).limit(limit)
        return list((await self.session.scalars(statement)).all())

    async def by_due(self, query: TicketQuery, offset: int, limit: int) -> list[Ticket]:
        """The queue: the ticket whose running target falls due first comes first; those
        with none running follow, oldest first."""
        next_due = (
            select(
                TicketTarget.ticket_id.label("ticket_id"),
                func.min(TicketTarget.due_at).label("due_at"),
            )
            .where(TicketTarget.state == "running")
            .group_by(TicketTarget.ticket_id)
            .subquery()
        )
        statement = (
            self._matching(query)
            .outerjoin(next_due, next_due.c.ticket_id == Ticket.id)
            .order_by(next_due.c.due_at.is_(None), next_due.c.due_at, Ticket.received_at, Ticket.id)
            .offset(offset)
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    async def count(self, query: TicketQuery) -> int:
        return await count_rows(self.session, self._matching(query))
