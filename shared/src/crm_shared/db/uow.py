"""The unit of work: one transaction that commits a state change and the events it raised.

Services change state through repositories on ``uow.session`` and record the events it
raises with ``uow.record(event)``; they never flush or commit. Only the caller (a route, an
event handler's consumer, a timer worker) calls ``commit``, which:
  1. flushes, so that version counters and generated values are final;
  2. renders every recorded event into its CloudEvents envelope (an event may be recorded
     as a zero-argument function, called here, when it carries a version the flush sets);
  3. writes all the outbox rows in one statement, and commits state and rows together.
A crash can never keep the state and lose the event, or the other way round.

The audit log rides along: the flushes of the unit capture what changed in the models that
opt in (:mod:`crm_shared.db.audit`), and the commit writes those entries in one more
statement, stamped with the unit's actor (who it acts for, given when it is opened: the
caller's principal for a request, the service itself for workers), its clock and its
correlation id.

Correlation is explicit: a unit of work opened for an HTTP request carries the request's
correlation id; an event recorded because of another one names it (``cause=``), and takes
its correlation id and its id as causation id.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeAlias

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.db.audit import SESSION_KEY, Actor, AuditTrail, PendingEntry
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent, topic_of

EventOrFactory: TypeAlias = IntegrationEvent | Callable[[], IntegrationEvent]
AfterCommit: TypeAlias = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class _Recorded:
    event: EventOrFactory
    cause: CloudEvent | None
    # The unit's correlation id when the event was recorded: one unit may do the work of
    # several requests or timers (a chunk of timers), each with its own.
    correlation_id: str | None = None


class UnitOfWork:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: PlatformTables,
        source: str,
        on_commit: Callable[[], None] | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        correlation_id: str | None = None,
        actor: Actor | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.tables = tables
        self.source = source
        self.clock = clock
        self.correlation_id = correlation_id
        self.actor = actor or Actor.system(source.rsplit("/", 1)[-1])
        self.audit = AuditTrail()
        self._on_commit = on_commit
        self._recorded: list[_Recorded] = []
        self._after_commit: list[AfterCommit] = []
        self.published: list[CloudEvent] = []

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.audit = AuditTrail()
        self.session.info[SESSION_KEY] = self.audit
        self._recorded, self._after_commit, self.published = [], [], []
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

    def record(self, event: EventOrFactory, *, cause: CloudEvent | None = None) -> None:
        """Publish ``event`` when (and only if) this unit commits."""
        self._recorded.append(_Recorded(event, cause, self.correlation_id))

    def after_commit(self, action: AfterCommit) -> None:
        """Run ``action`` once this unit has committed (not if it rolls back)."""
        self._after_commit.append(action)

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        """Where this unit's sessions come from (for work after it, in sessions of its own)."""
        return self._session_factory

    @property
    def has_events(self) -> bool:
        return bool(self._recorded)

    async def commit(self) -> None:
        envelopes: list[CloudEvent] = []
        await self.session.flush()  # the last changes reach the audit trail (no SQL if none)
        if self._recorded:
            envelopes = [self._render(recorded) for recorded in self._recorded]
            await self.session.execute(
                insert(self.tables.outbox), [self._outbox_row(e) for e in envelopes]
            )
        entries = self.audit.take()
        if entries:
            await self.session.execute(insert(self.tables.audit_entries), self._audit_rows(entries))
        await self.session.commit()
        self._recorded = []
        self.published = envelopes
        if envelopes and self._on_commit is not None:
            self._on_commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            await action()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.audit.take()  # what the undone flushes captured never happened
        self._recorded, self._after_commit, self.published = [], [], []

    def _render(self, recorded: _Recorded) -> CloudEvent:
        event = recorded.event if isinstance(recorded.event, IntegrationEvent) else recorded.event()
        cause = recorded.cause
        return CloudEvent(
            source=self.source,
            type=event.event_type,
            subject=event.subject,
            time=self.clock.now(),
            data=event.model_dump(mode="json"),
            correlationid=(cause.correlationid or str(cause.id))
            if cause
            else recorded.correlation_id,
            causationid=str(cause.id) if cause else None,
        )

    def _outbox_row(self, envelope: CloudEvent) -> dict[str, object]:
        return {
            "event_id": str(envelope.id),
            "event_type": envelope.type,
            "topic": topic_of(envelope.type),
            "key": envelope.subject,
            "payload": envelope.to_json(),
            "created_at": self.clock.now(),
            "attempts": 0,
        }

    def _audit_rows(self, entries: list[PendingEntry]) -> list[dict[str, object]]:
        stamp = {
            "occurred_at": self.clock.now(),
            "actor": self.actor.subject,
            "actor_kind": self.actor.kind,
            # A correlation id a caller sent may be of any length: the column keeps 128.
            "request_id": self.correlation_id[:128] if self.correlation_id else None,
        }
        return [
            {
                **stamp,
                "record_type": entry.record_type,
                "record_id": entry.record_id,
                "action": entry.action,
                "changes": entry.changes,
            }
            for entry in entries
        ]
