"""The inbox: event ids a consumer has applied, written in the handler's transaction."""

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db.model import utcnow
from crm_shared.db.platform_tables import PlatformTables


class InboxRepository:
    def __init__(self, session: AsyncSession, tables: PlatformTables) -> None:
        self.session = session
        self.inbox = tables.inbox

    async def seen(self, event_id: str) -> bool:
        found = await self.session.scalar(
            select(self.inbox.c.event_id).where(self.inbox.c.event_id == event_id)
        )
        return found is not None

    async def record(self, event_id: str, event_type: str, consumer: str) -> None:
        await self.session.execute(
            insert(self.inbox).values(
                event_id=event_id, event_type=event_type, consumer=consumer, processed_at=utcnow()
            )
        )
