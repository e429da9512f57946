"""The inbox: event ids a consumer has applied, written in the handler's transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db.model import utcnow
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.statements import insert_ignoring_duplicates


class InboxRepository:
    def __init__(self, session: AsyncSession, tables: PlatformTables) -> None:
        self.session = session
        self.inbox = tables.inbox

    async def record_if_new(self, event_id: str, event_type: str, consumer: str) -> bool:
        """Record the event; False if it was already there (a redelivery, or another
        instance got it first). One statement, race-free on both databases."""
        statement = insert_ignoring_duplicates(self.session, self.inbox, ("event_id",))
        row = {
            "event_id": event_id,
            "event_type": event_type,
            "consumer": consumer,
            "processed_at": utcnow(),
        }
        result = await self.session.execute(statement, row)
        return bool(getattr(result, "rowcount", 0) == 1)
