"""The inbox: event ids a consumer has applied, written in the handler's transaction."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.statements import insert_ignoring_duplicates


class InboxRepository:
    def __init__(self, session: AsyncSession, tables: PlatformTables) -> None:
        self.session = session
        self.inbox = tables.inbox

    async def record_new(
        self, events: Sequence[tuple[str, str]], consumer: str, now: datetime
    ) -> set[str]:
        """Record ``(event id, type)`` pairs; returns the ids that were not there yet (the
        others are redeliveries, or another instance got them first). One statement
        (``INSERT … ON CONFLICT DO NOTHING RETURNING``), race-free on both databases."""
        if not events:
            return set()
        statement = insert_ignoring_duplicates(self.session, self.inbox, ("event_id",)).returning(
            self.inbox.c.event_id
        )
        rows = [
            {"event_id": id_, "event_type": type_, "consumer": consumer, "processed_at": now}
            for id_, type_ in events
        ]
        result = await self.session.execute(statement, rows)
        return set(result.scalars())
