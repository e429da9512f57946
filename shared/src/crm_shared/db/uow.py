"""The unit of work: one transaction that commits a state change and the events it raised.

Services add state through repositories on ``uow.session`` and record events with
``uow.publish(event)``; only the caller (a route or an event handler) calls ``commit``.
Events become outbox rows in the same transaction, so a crash can never keep the state and
lose the event, or the other way round.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.db.platform_tables import PlatformTables
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent, topic_of
from crm_shared.logging import causation_id, correlation_id


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: PlatformTables,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.tables = tables
        self.source = source
        self._on_commit = on_commit
        self.published: list[CloudEvent] = []

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.published = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()  # a no-op after commit; undoes a failed unit
        finally:
            await asyncio.shield(self.session.close())

    async def publish(self, event: IntegrationEvent) -> CloudEvent:
        envelope = CloudEvent(
            source=self.source,
            type=event.event_type,
            subject=event.subject,
            data=event.model_dump(mode="json"),
            correlationid=correlation_id.get(),
            causationid=causation_id.get(),
        )
        row = {
            "event_id": str(envelope.id),
            "event_type": envelope.type,
            "topic": topic_of(envelope.type),
            "key": envelope.subject,
            "payload": envelope.to_json(),
            "created_at": datetime.now(UTC),
            "attempts": 0,
        }
        await self.session.execute(insert(self.tables.outbox), row)
        self.published.append(envelope)
        return envelope

    async def commit(self) -> None:
        await self.session.commit()
        if self.published and self._on_commit is not None:
            self._on_commit()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.published = []
