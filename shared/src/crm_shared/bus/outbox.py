"""Queries on the outbox table: all the relay's SQL in one place."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.uow import UnitOfWork


@dataclass(frozen=True)
class PendingMessage:
    id: int
    topic: str
    key: str
    event_type: str
    payload: bytes
    created_at: datetime


class OutboxRepository:
    def __init__(self, session: AsyncSession, tables: PlatformTables) -> None:
        self.session = session
        self.outbox = tables.outbox

    async def claim_unsent(
        self, limit: int, *, skip_locked: bool, after: int = 0
    ) -> list[PendingMessage]:
        """The oldest unsent rows (with an id above ``after``), in write order. On PostgreSQL
        they stay locked until the transaction ends and other relay instances skip them, so
        no row is sent twice."""
        statement = (
            select(
                self.outbox.c.id,
                self.outbox.c.topic,
                self.outbox.c.key,
                self.outbox.c.event_type,
                self.outbox.c.payload,
                self.outbox.c.created_at,
            )
            .where(self.outbox.c.sent_at.is_(None), self.outbox.c.id > after)
            .order_by(self.outbox.c.id)
            .limit(limit)
        )
        if skip_locked:
            statement = statement.with_for_update(skip_locked=True)
        rows = await self.session.execute(statement)
        return [PendingMessage(*row) for row in rows]

    async def mark_sent(self, ids: list[int], at: datetime) -> None:
        if ids:
            await self.session.execute(
                update(self.outbox).where(self.outbox.c.id.in_(ids)).values(sent_at=at)
            )

    async def record_failure(self, ids: list[int], error: str) -> None:
        if ids:
            await self.session.execute(
                update(self.outbox)
                .where(self.outbox.c.id.in_(ids))
                .values(attempts=self.outbox.c.attempts + 1, last_error=error[:2000])
            )

    async def delete_sent_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(self.outbox).where(self.outbox.c.sent_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_for_replay(self, since: datetime) -> int:
        """Send again every kept event written since ``since`` (consumers deduplicate by id)."""
        result = await self.session.execute(
            update(self.outbox)
            .where(self.outbox.c.created_at >= since, self.outbox.c.sent_at.is_not(None))
            .values(sent_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def pending_count(self) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(self.outbox).where(self.outbox.c.sent_at.is_(None))
        )
        return int(count or 0)


def retention_cutoff(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


async def pending_events(uow: UnitOfWork) -> int:
    """How many recorded events wait to be published."""
    return await OutboxRepository(uow.session, uow.tables).pending_count()


async def replay_since(uow: UnitOfWork, since: datetime) -> int:
    """Queue every kept event written since ``since`` to be published again."""
    return await OutboxRepository(uow.session, uow.tables).mark_for_replay(since)
