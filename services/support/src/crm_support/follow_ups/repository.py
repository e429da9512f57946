"""All the SQL of service visits and follow-up calls."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import RepositoryBase, table_of
from crm_shared.db.statements import affected_rows, insert_ignoring_duplicates
from crm_shared.views.customer_view import CustomerViewRepository
from sqlalchemy import Select, select

from crm_support.db import customer_view_table
from crm_support.follow_ups.models import FollowUpCall, Visit
from crm_support.follow_ups.rules import OPEN, CallFacts

CALL_KEY = ("reason", "source_id")


@dataclass(frozen=True)
class CallQuery:
    owner: str | None = None
    state: str | None = None
    customer_id: str | None = None
    due_from: datetime | None = None  # included
    due_before: datetime | None = None  # excluded
    open_past: datetime | None = None  # overdue: still open, due before this


class VisitRepository(RepositoryBase[Visit]):
    model = Visit

    async def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The customer view's row (a merged alias resolved to its survivor)."""
        return await CustomerViewRepository(self.session, customer_view_table).resolve(customer_id)

    async def page(
        self, customer_id: str | None, after: Sequence[Any] | None, limit: int
    ) -> list[Visit]:
        statement = select(Visit)
        if customer_id is not None:
            statement = statement.where(Visit.customer_id == customer_id)
        return await self.keyset_page(
            statement, [Visit.visited_at, Visit.id], after=after, limit=limit
        )


class FollowUpCallRepository(RepositoryBase[FollowUpCall]):
    model = FollowUpCall

    async def add_once(self, row: dict[str, Any]) -> bool:
        """Insert the call unless its order or visit has one already (a redelivered event,
        or two deliveries at once); True if it was new."""
        table = table_of(FollowUpCall)
        statement = insert_ignoring_duplicates(self.session, table, CALL_KEY)
        result = await self.session.execute(statement, row)
        return bool(affected_rows(result))

    def _matching(self, query: CallQuery) -> Select[FollowUpCall]:
        statement = select(FollowUpCall)
        for name in ("owner", "state", "customer_id"):
            value = getattr(query, name)
            if value is not None:
                statement = statement.where(getattr(FollowUpCall, name) == value)
        if query.due_from is not None:
            statement = statement.where(FollowUpCall.due_at >= query.due_from)
        if query.due_before is not None:
            statement = statement.where(FollowUpCall.due_at < query.due_before)
        if query.open_past is not None:
            statement = statement.where(
                FollowUpCall.state == OPEN, FollowUpCall.due_at < query.open_past
            )
        return statement

    async def page(
        self, query: CallQuery, after: Sequence[Any] | None, limit: int
    ) -> list[FollowUpCall]:
        return await self.keyset_page(
            self._matching(query), [FollowUpCall.due_at, FollowUpCall.id], after=after, limit=limit
        )

    async def due_between(self, start: datetime, end: datetime) -> list[CallFacts]:
        """What the per-staff report counts of the calls due in ``[start, end)``."""
        columns = [getattr(FollowUpCall, name) for name in CallFacts._fields]
        statement = select(*columns).where(FollowUpCall.due_at >= start, FollowUpCall.due_at < end)
        return [CallFacts(*row) for row in await self.session.execute(statement)]
