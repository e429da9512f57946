"""Timer handlers with slow outside work: prepared with no write transaction open, applied in
the unit of work that claims the timer.

An ordinary handler runs inside the transaction that claims its timer. That is right for
database work, and wrong for a network call: the transaction (on SQLite the database's only
write lock) would stay open for as long as the other side takes to answer, and every other
writer of the service would wait behind it. A :class:`TwoPhaseTimerHandler` splits the work:

* ``prepare(timer, context)`` runs first, with no write transaction open. It may read (in a
  short read transaction of its own, ``context.reading()``, closed before any slow call so
  that it pins no snapshot either) and do the slow work; it returns what happened.
* ``apply(uow, timer, prepared)`` then runs in the unit of work that claims exactly that
  timer and marks it done: its state changes and events commit with the done mark.

What that means: **at least once**. Between prepare and apply the timer may be cancelled,
moved, scheduled again or (on PostgreSQL) fired by another instance that prepared it too;
the claim then finds it changed, the prepared result is dropped, and ``apply`` never runs
for it. The outside work happened all the same (a partner got a request nobody records
here), and a crash between prepare and the commit repeats it after the restart. Use it
for work the other side deduplicates (an idempotency key, a message id).
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.clock import Clock
from crm_shared.db.uow import UnitOfWork
from crm_shared.timers.model import BatchTimerHandler, Timer, TimerHandler

Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class PrepareContext:
    """What ``prepare`` may use besides its timer: reads (never a write transaction) and the
    service's clock."""

    read_session_factory: async_sessionmaker[AsyncSession]
    clock: Clock

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read transaction; leave it before the slow work (a reader kept open holds back
        SQLite's WAL checkpoints and, on PostgreSQL, a pooled connection)."""
        async with self.read_session_factory() as session, session.begin():
            yield session


class TwoPhaseTimerHandler(ABC, Generic[Prepared]):
    """Handles a timer kind in two phases (see the module docstring); registered like any
    handler (``timers={"webhooks.deliver": Deliveries(...)}``)."""

    @abstractmethod
    async def prepare(self, timer: Timer, context: PrepareContext) -> Prepared:
        """The slow part, with no write transaction open. Raising counts as a failed
        attempt (retried with back-off, finally ``failed``), exactly like an ordinary
        handler that raises."""

    @abstractmethod
    async def apply(self, uow: UnitOfWork, timer: Timer, prepared: Prepared) -> None:
        """Record what ``prepare`` did, on ``uow`` (never commits): runs only if the timer
        was still pending, unchanged and due when claimed. Raising rolls the unit back and
        counts as a failed attempt."""


AnyTimerHandler: TypeAlias = TimerHandler | BatchTimerHandler | TwoPhaseTimerHandler[Any]
"""What a service registers for a timer kind: an ordinary handler (one timer, or a batch
handler: every due timer of its kind in a chunk at once) or a two-phase one."""
