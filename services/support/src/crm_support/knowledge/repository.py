"""All queries on standard answers and their uses on tickets."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import Select, and_, case, exists, func, select

from crm_support.db import count_rows
from crm_support.knowledge.models import AnswerUse, StandardAnswer
from crm_support.knowledge.rules import Usage
from crm_support.tickets.models import Ticket


@dataclass(frozen=True)
class AnswerQuery:
    category: str | None = None
    cause: str | None = None
    text: str | None = None  # in the title or the body, whatever the case
    active: bool | None = None  # None: retired ones too


@dataclass(frozen=True)
class Gap:
    """Tickets of one category and cause resolved without a standard answer."""

    category: str
    cause: str | None
    count: int
    ticket_ids: list[str]


def _filtered(query: AnswerQuery) -> Select[Any]:
    statement = select(StandardAnswer)
    if query.category is not None:
        statement = statement.where(StandardAnswer.category == query.category)
    if query.cause is not None:
        statement = statement.where(StandardAnswer.cause == query.cause)
    if query.text is not None:
        statement = statement.where(
            StandardAnswer.title.icontains(query.text, autoescape=True)
            | StandardAnswer.body.icontains(query.text, autoescape=True)
        )
    if query.active is not None:
        retired = StandardAnswer.retired_at.is_not(None)
        statement = statement.where(~retired if query.active else retired)
    return statement


def _usage_columns() -> tuple[Any, ...]:
    return (
        func.count(),
        func.count(AnswerUse.rating),
        func.coalesce(func.sum(AnswerUse.rating), 0),
        func.count(case((AnswerUse.helpful.is_(True), 1))),
        func.count(case((AnswerUse.helpful.is_(False), 1))),
    )


def _usage(row: Sequence[Any]) -> Usage:
    return Usage(*(int(value) for value in row))


class AnswerRepository(RepositoryBase[StandardAnswer]):
    model = StandardAnswer

    async def search(
        self, query: AnswerQuery, after: tuple[datetime, str] | None, limit: int
    ) -> list[StandardAnswer]:
        """One page, oldest first (the id breaks ties)."""
        order = (StandardAnswer.created_at, StandardAnswer.id)
        return await self.keyset_page(_filtered(query), order, after=after, limit=limit)

    async def count(self, query: AnswerQuery) -> int:
        return await count_rows(self.session, _filtered(query))

    async def ticket(self, ticket_id: str) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def use(self, ticket_id: str, answer_id: str) -> AnswerUse | None:
        return await self.session.get(AnswerUse, (ticket_id, answer_id))

    async def add_use(self, use: AnswerUse) -> None:
        self.session.add(use)
        await self.session.flush()

    async def answer_ids_used_on(self, ticket_id: str) -> set[str]:
        statement = select(AnswerUse.answer_id).where(AnswerUse.ticket_id == ticket_id)
        return set(await self.session.scalars(statement))

    async def active_of_category(self, category: str) -> list[StandardAnswer]:
        statement = _filtered(AnswerQuery(category=category, active=True))
        return await self.all(statement.order_by(StandardAnswer.id))

    async def usage_of(self, answer_ids: Collection[str]) -> dict[str, Usage]:
        """Every use (ever) of these answers, per answer."""
        if not answer_ids:
            return {}
        statement = (
            select(AnswerUse.answer_id, *_usage_columns())
            .where(AnswerUse.answer_id.in_(sorted(answer_ids)))
            .group_by(AnswerUse.answer_id)
        )
        return {row[0]: _usage(row[1:]) for row in await self.session.execute(statement)}

    async def usage_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[StandardAnswer, Usage]]:
        """The answers used in ``[start, end)`` and their uses then, most used first."""
        uses = (
            select(AnswerUse.answer_id, *_usage_columns())
            .where(AnswerUse.used_at >= start, AnswerUse.used_at < end)
            .group_by(AnswerUse.answer_id)
            .subquery()
        )
        statement = select(StandardAnswer, *uses.c[1:]).join(
            uses, uses.c.answer_id == StandardAnswer.id
        )
        rows = [(row[0], _usage(row[1:])) for row in await self.session.execute(statement)]
        return sorted(rows, key=lambda found: (-found[1].uses, found[0].id))

    async def gaps(
        self, start: datetime, end: datetime, kinds: Collection[str] | None, per_group: int
    ) -> list[Gap]:
        """The tickets resolved in ``[start, end)`` (of ``kinds``; None: every kind) on
        which no standard answer was used, per category and cause, with the first
        ``per_group`` ids of each (in the order they were resolved)."""
        answered = exists().where(AnswerUse.ticket_id == Ticket.id)
        conditions = [Ticket.resolved_at >= start, Ticket.resolved_at < end, ~answered]
        if kinds is not None:
            conditions.append(Ticket.kind.in_(sorted(kinds)))
        group = (Ticket.category, Ticket.cause)
        ranked = (
            select(
                Ticket.id,
                Ticket.category,
                Ticket.cause,
                func.row_number()
                .over(partition_by=group, order_by=(Ticket.resolved_at, Ticket.id))
                .label("rank"),
                func.count().over(partition_by=group).label("total"),
            )
            .where(and_(*conditions))
            .subquery()
        )
        statement = (
            select(ranked.c.category, ranked.c.cause, ranked.c.total, ranked.c.id)
            .where(ranked.c.rank <= per_group)
            .order_by(ranked.c.category, ranked.c.cause, ranked.c.rank)
        )
        gaps: dict[tuple[str, str | None], Gap] = {}
        for category, cause, total, ticket_id in await self.session.execute(statement):
            gap = gaps.setdefault((category, cause), Gap(category, cause, int(total), []))
            gap.ticket_ids.append(ticket_id)
        return sorted(gaps.values(), key=lambda gap: (-gap.count, gap.category, gap.cause or ""))
