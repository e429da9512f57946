"""All SQL on the timeline."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm_shared.db import UTCDateTime, table_of
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    exists,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.timeline.models import TimelineEntry

TimelinePosition = tuple[datetime, str]  # (occurred_at, event_id): the timeline's sort key


def _newest_first(*where: ColumnElement[bool]) -> Select[TimelineEntry]:
    """Built once (building costs more than the statement runs): a customer's rows, newest
    first, up to ``limit``."""
    return (
        select(TimelineEntry)
        .where(TimelineEntry.customer_id == bindparam("customer_id"), *where)
        .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.event_id.desc())
        .limit(bindparam("limit", type_=Integer()))
    )


NEWEST_FIRST = _newest_first()
# After the last row of the previous page: a row-value comparison, which both SQLite and
# PostgreSQL read as an index range.
NEWEST_FIRST_AFTER = _newest_first(
    tuple_(TimelineEntry.occurred_at, TimelineEntry.event_id)
    < tuple_(bindparam("after_time", type_=UTCDateTime()), bindparam("after_event", type_=String()))
)


class TimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, entries: Sequence[dict[str, Any]]) -> None:
        """Insert rows in one statement; a row whose event id is already there stays."""
        if entries:
            table: Table = table_of(TimelineEntry)
            statement = insert_ignoring_duplicates(self.session, table, ("event_id",))
            await self.session.execute(statement, list(entries))

    async def move(self, from_customer_id: str, to_customer_id: str) -> None:
        await self.session.execute(
            update(TimelineEntry)
            .where(TimelineEntry.customer_id == from_customer_id)
            .values(customer_id=to_customer_id)
            .execution_options(synchronize_session=False)
        )

    async def newest_first(
        self, customer_id: str, limit: int, after: TimelinePosition | None = None
    ) -> list[TimelineEntry]:
        """Up to ``limit`` rows older than ``after`` (the last row of the previous page)."""
        values: dict[str, Any] = {"customer_id": customer_id, "limit": limit}
        if after is None:
            return list(await self.session.scalars(NEWEST_FIRST, values))
        values["after_time"], values["after_event"] = after
        return list(await self.session.scalars(NEWEST_FIRST_AFTER, values))

    async def has_entries(self, customer_id: str) -> bool:
        found = await self.session.scalar(
            select(exists().where(TimelineEntry.customer_id == customer_id))
        )
        return bool(found)

    async def contents(self, customer_id: str) -> Sequence[tuple[str, str, dict[str, Any]]]:
        """(event id, type, data) of every row of a customer."""
        rows = await self.session.execute(
            select(TimelineEntry.event_id, TimelineEntry.event_type, TimelineEntry.data).where(
                TimelineEntry.customer_id == customer_id
            )
        )
        return [(row.event_id, row.event_type, row.data) for row in rows]

    async def rewrite(self, changes: list[dict[str, Any]]) -> None:
        """Bulk update by primary key: each dict holds ``event_id`` and the new values."""
        if changes:
            await self.session.execute(update(TimelineEntry), changes)
