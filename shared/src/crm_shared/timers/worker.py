"""The timer worker: fires due timers, each once in effect.

One pass (``fire_due``) takes due timers in chunks (``CRM_TIMER_CHUNK_SIZE``), each chunk
in its own unit of work:
  1. claim the pending timers that are due longest (``FOR UPDATE SKIP LOCKED`` on
     PostgreSQL, so that other instances pass them by; on SQLite the write transaction
     excludes them);
  2. mark them done and run their handlers in the same unit of work (a batch handler once
     with all its kind's timers of the chunk): the handlers' state changes, the events they
     record and the done marks commit together, or none of them; a chunk that fails is
     rolled back and fired again one timer at a time, so that only the failing timer is
     retried;
  3. a handler that raises: the unit rolls back (no state, no event) and the failure is
     recorded: one more attempt, the error, and a retry after an exponential back-off; after
     ``CRM_TIMER_MAX_ATTEMPTS`` attempts the timer is left in state ``failed`` (counted in
     ``crm_timers_failed_total``, logged as an error, kept by housekeeping) for someone to
     look at and schedule again.
A crash anywhere before the commit leaves the timer pending: it fires after the restart.

A kind handled by a :class:`~crm_shared.timers.two_phase.TwoPhaseTimerHandler` (slow
outside work, such as an HTTP call, that must not hold the write transaction: on SQLite the
database's only write lock) goes another way when it is the one due longest:
  1. read it without a lock (a read transaction, closed at once);
  2. run its ``prepare`` with no transaction of the worker's open;
  3. claim exactly that timer in a unit of work, only if it is still pending, due and
     unchanged, and there mark it done and run its ``apply``; if it was cancelled, moved,
     scheduled again or fired by another instance meanwhile, the prepared result is
     dropped (at least once: the outside work happened, nothing records it here).
A ``prepare`` that raises is a failed attempt like any other (back-off, then ``failed``).
A timer tried this way is not looked at again in the same pass.

Recurring schedules: the worker arms each schedule's next occurrence when it starts (and
every minute, in case), and arms the following one in the transaction that fires (or
finally fails) an occurrence. Occurrences missed while the service was stopped fire once,
not once each.

Every "now" comes from the injected clock; tests move a ``FakeClock`` and call
``fire_due()`` instead of waiting for ``run()``.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.bus.backoff import Backoff
from crm_shared.bus.tasks import being_cancelled, stop_if_cancelled
from crm_shared.clock import Clock
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.uow import UnitOfWork
from crm_shared.logging import correlation_id, describe_error
from crm_shared.metrics import TIMER_ERRORS, TIMERS_FAILED, TIMERS_FIRED, TIMERS_STORED
from crm_shared.timers.model import BatchTimerHandler, Schedule, Timer, occurrence_key
from crm_shared.timers.repository import TimerRepository
from crm_shared.timers.scheduler import register_worker, unregister_worker
from crm_shared.timers.settings import TimerSettings
from crm_shared.timers.two_phase import AnyTimerHandler, PrepareContext, TwoPhaseTimerHandler

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing's own from Python 3.13

log = logging.getLogger(__name__)

SCHEDULE_CHECK_SECONDS = 60.0
GAUGE_SECONDS = 30.0
# The wait after a pass that left a due timer behind (another instance holds it): it is not
# polled for in a tight loop.
MIN_WAIT_SECONDS = 0.05


class TimerWorker:
    def __init__(
        self,
        *,
        service: str,
        tables: PlatformTables,
        unit_of_work: Callable[[], UnitOfWork],
        read_session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        handlers: Mapping[str, AnyTimerHandler],
        schedules: Sequence[Schedule] = (),
        settings: TimerSettings | None = None,
        skip_locked: bool = False,
    ) -> None:
        self.service = service
        self.tables = tables
        self.table = tables.timers
        self.unit_of_work = unit_of_work
        self.read_session_factory = read_session_factory
        self.clock = clock
        self.settings = settings or TimerSettings()
        self.skip_locked = skip_locked
        self.schedules = {schedule.kind: schedule for schedule in schedules}
        if len(self.schedules) != len(schedules):
            raise ValueError("two schedules have the same name")
        clash = self.schedules.keys() & handlers.keys()
        if clash:
            raise ValueError(f"timer kinds declared twice: {sorted(clash)}")
        self.handlers: dict[str, AnyTimerHandler] = {
            **handlers,
            **{kind: schedule.handler for kind, schedule in self.schedules.items()},
        }
        self.kinds = tuple(self.handlers)
        self.two_phase_kinds = frozenset(
            kind
            for kind, handler in self.handlers.items()
            if isinstance(handler, TwoPhaseTimerHandler)
        )
        self.ordinary_kinds = tuple(k for k in self.kinds if k not in self.two_phase_kinds)
        self.prepare_context = PrepareContext(read_session_factory, clock)
        self.status = "ok"
        self._wakeup = asyncio.Event()
        self._sleeping_until: datetime | None = None
        self._schedules_checked = -float("inf")
        self._gauges_measured = -float("inf")
        self._backoff = Backoff(maximum=self.settings.poll_seconds * 10)

    # --- the loop ---

    def notify(self, due_at: datetime) -> None:
        """A unit of work committed a timer due at ``due_at``: wake up if that is sooner
        than the end of the current wait."""
        if self._sleeping_until is None or due_at < self._sleeping_until:
            self._wakeup.set()

    async def run(self) -> None:
        register_worker(self)
        try:
            while True:
                stop_if_cancelled()
                # Cleared before the pass: a commit during it sets it again, and the wait
                # below returns at once.
                self._wakeup.clear()
                try:
                    fired = await self.fire_due()
                    if fired >= self.settings.batch_size:
                        continue  # more are due
                    delay = await self._idle()
                    self._backoff.reset()
                    self.status = "ok"
                except Exception as error:
                    if being_cancelled():
                        raise
                    self.status = f"retrying: {describe_error(error)}"[:300]
                    log.warning("timer worker: cannot fire timers yet: %s", describe_error(error))
                    delay = self._backoff.next_delay()
                # A cancellation that reached a database call of the pass may have been
                # swallowed there (the driver's clean-up): it is still pending on the task,
                # and sleeping now would hold the shutdown for the whole wait.
                stop_if_cancelled()
                self._sleeping_until = self.clock.now() + timedelta(seconds=delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), delay)
                self._sleeping_until = None
        finally:
            unregister_worker(self)

    def ready(self) -> str:
        return self.status

    async def _idle(self) -> float:
        """Seconds to wait before the next pass: until the soonest pending timer, at most
        the poll interval (another instance may schedule a sooner one)."""
        await self._measure()
        next_run = await self._next_run_at()
        poll = self.settings.poll_seconds
        if next_run is None:
            return poll
        until = (next_run - self.clock.now()).total_seconds()
        if until <= 0:
            # Due, and still here after a pass: another instance holds it. Look again
            # shortly, not in a tight loop.
            return MIN_WAIT_SECONDS
        # Exactly until the soonest one: a timer due in 10 ms fires then, not 50 ms later.
        return min(poll, until)

    # --- one pass ---

    async def fire_due(self, now: datetime | None = None) -> int:
        """Fire (or attempt) the timers due at ``now`` (default: the clock's now), at most
        ``CRM_TIMER_BATCH_SIZE``; returns how many were attempted."""
        if not self.kinds:
            return 0
        moment = now or self.clock.now()
        await self._arm_schedules(moment)
        next_run = await self._next_run_at()
        if next_run is None or next_run > moment:
            return 0  # nothing due: no write transaction (SQLite's lock) for nothing
        attempted = 0
        tried: set[int] = set()  # two-phase timers tried in this pass
        while attempted < self.settings.batch_size:
            stop_if_cancelled()
            room = min(self.settings.chunk_size, self.settings.batch_size - attempted)
            fired = await self._fire_next(moment, tried, room)
            if not fired:
                break
            attempted += fired
        return attempted

    run_due = fire_due

    async def _fire_next(self, moment: datetime, tried: set[int], room: int) -> int:
        """Fire a chunk of up to ``room`` ordinary timers due longest, or (where the service
        has two-phase kinds, to keep the due order) the one timer due longest; how many
        were attempted (0: none was due)."""
        if not self.two_phase_kinds:
            return await self._claim_and_fire(moment, self.kinds, room)
        timer = await self._next_due(moment, tried)
        if timer is None:
            return 0
        handler = self.handlers[timer.kind]
        if not isinstance(handler, TwoPhaseTimerHandler):
            # One at a time: a chunk could fire ordinary timers due after a two-phase one.
            return await self._claim_and_fire(moment, self.ordinary_kinds, 1)
        tried.add(timer.id)
        await self._prepare_and_fire(handler, timer, moment)
        return 1

    async def _claim_and_fire(self, moment: datetime, kinds: Sequence[str], room: int) -> int:
        """Ordinary handlers: claim up to ``room`` due timers and fire them in one unit of
        work. If a handler raises, the chunk rolls back and its timers fire again one at a
        time, so only the failing one records a failed attempt."""
        async with self.unit_of_work() as uow:
            repo = TimerRepository(uow.session, self.tables)
            timers = await repo.claim_due(moment, kinds, room, skip_locked=self.skip_locked)
            if len(timers) <= 1:
                for timer in timers:
                    with _correlation(timer) as correlated_by:
                        uow.correlation_id = correlated_by
                        await self._fire_claimed(uow, timer, moment, self._one(timer.kind))
                return len(timers)
            try:
                await repo.mark_done([timer.id for timer in timers], moment)
                for timer in timers:
                    await self._arm_next_occurrence(repo, timer, moment)
                await self._run_chunk(uow, timers)
                await uow.commit()
            except Exception as error:
                if being_cancelled():
                    raise
                await uow.rollback()
                log.info("a chunk of %d timers failed (%s): firing them one at a time",
                         len(timers), describe_error(error))  # fmt: skip
            else:
                for timer in timers:
                    TIMERS_FIRED.labels(self.service, timer.kind).inc()
                return len(timers)
        for timer in timers:
            async with self.unit_of_work() as uow:
                repo = TimerRepository(uow.session, self.tables)
                if not await repo.claim(timer, moment, skip_locked=self.skip_locked):
                    continue  # changed or fired elsewhere since the chunk rolled back
                with _correlation(timer) as correlated_by:
                    uow.correlation_id = correlated_by
                    await self._fire_claimed(uow, timer, moment, self._one(timer.kind))
        return len(timers)

    async def _run_chunk(self, uow: UnitOfWork, timers: Sequence[Timer]) -> None:
        """Each kind's handler on its timers of the chunk, in the order they fell due: a
        batch handler once with all of them, an ordinary one per timer."""
        by_kind: dict[str, list[Timer]] = {}
        for timer in timers:
            by_kind.setdefault(timer.kind, []).append(timer)
        for kind, group in by_kind.items():
            handler = self.handlers[kind]
            if handles_batches(handler):
                assert isinstance(handler, BatchTimerHandler)
                uow.correlation_id = None
                await handler(uow, group)
                continue
            assert not isinstance(handler, TwoPhaseTimerHandler)  # not among ordinary kinds
            for timer in group:
                with _correlation(timer) as correlated_by:
                    uow.correlation_id = correlated_by
                    await handler(uow, timer)

    def _one(self, kind: str) -> Callable[[UnitOfWork, Timer], Awaitable[None]]:
        """The handler of ``kind`` called for one timer."""
        handler = self.handlers[kind]
        if handles_batches(handler):
            assert isinstance(handler, BatchTimerHandler)
            batch = handler

            async def one(uow: UnitOfWork, timer: Timer) -> None:
                await batch(uow, [timer])

            return one
        assert not isinstance(handler, TwoPhaseTimerHandler)
        return handler

    async def _prepare_and_fire(
        self, handler: TwoPhaseTimerHandler[Any], timer: Timer, moment: datetime
    ) -> bool:
        """A two-phase handler: prepare with no transaction open, then claim exactly this
        timer and apply in one unit of work, or drop the prepared result."""
        with _correlation(timer) as correlated_by:
            try:
                prepared = await handler.prepare(timer, self.prepare_context)
            except Exception as error:
                if being_cancelled():
                    raise
                async with self.unit_of_work() as uow:
                    await self._record_failure(uow, timer, error, moment)
                return False

            async def apply(uow: UnitOfWork, claimed: Timer) -> None:
                await handler.apply(uow, claimed, prepared)

            # The write transaction (SQLite's write lock) begins only now.
            async with self.unit_of_work() as uow:
                uow.correlation_id = correlated_by
                repo = TimerRepository(uow.session, self.tables)
                if not await repo.claim(timer, moment, skip_locked=self.skip_locked):
                    log.info(
                        "timer %s %s changed while it was prepared (cancelled, moved or "
                        "fired elsewhere): its prepared result is dropped",
                        timer.kind, timer.key,
                    )  # fmt: skip
                    return False
                return await self._fire_claimed(uow, timer, moment, apply)

    async def _fire_claimed(
        self,
        uow: UnitOfWork,
        timer: Timer,
        moment: datetime,
        handle: Callable[[UnitOfWork, Timer], Awaitable[None]],
    ) -> bool:
        """Mark the claimed timer done and run ``handle`` in ``uow``: all of it commits, or
        the unit rolls back and the failed attempt is recorded instead."""
        repo = TimerRepository(uow.session, self.tables)
        try:
            # Done first: a handler that schedules its own (kind, key) again re-arms it.
            await repo.mark_done(timer.id, moment)
            await self._arm_next_occurrence(repo, timer, moment)
            await handle(uow, timer)
            await uow.commit()
        except Exception as error:
            if being_cancelled():
                raise
            await uow.rollback()  # drops the handler's changes and recorded events
            await self._record_failure(uow, timer, error, moment)
            return False
        TIMERS_FIRED.labels(self.service, timer.kind).inc()
        return True

    async def _record_failure(
        self, uow: UnitOfWork, timer: Timer, error: Exception, moment: datetime
    ) -> None:
        attempts = timer.attempts + 1
        give_up = attempts >= self.settings.max_attempts
        retry_at = None if give_up else moment + self.retry_delay(attempts)
        description = describe_error(error)
        repo = TimerRepository(uow.session, self.tables)
        recorded = await repo.record_failure(timer, description, moment, retry_at)
        # A failing occurrence does not stop its schedule.
        await self._arm_next_occurrence(repo, timer, moment)
        await uow.commit()
        if not recorded:
            return  # scheduled again, moved or attempted elsewhere meanwhile
        TIMER_ERRORS.labels(self.service, timer.kind).inc()
        if give_up:
            TIMERS_FAILED.labels(self.service, timer.kind).inc()
            log.error(
                "timer %s %s failed after %d attempts, given up: %s",
                timer.kind, timer.key, attempts, description,
                exc_info=error,
            )  # fmt: skip
        else:
            log.warning(
                "timer %s %s failed (attempt %d of %d), retry at %s: %s",
                timer.kind, timer.key, attempts, self.settings.max_attempts,
                retry_at.isoformat() if retry_at else "", description,
                exc_info=error,
            )  # fmt: skip

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        seconds = self.settings.retry_base_seconds * 2 ** min(attempts - 1, 30)
        return timedelta(seconds=min(self.settings.retry_max_seconds, seconds))

    # --- recurring schedules ---

    async def _arm_schedules(self, moment: datetime) -> None:
        """Make sure each schedule's next occurrence is a timer (several instances doing
        this at once make one timer per occurrence)."""
        if not self.schedules:
            return
        checked = time.monotonic()
        if checked - self._schedules_checked < SCHEDULE_CHECK_SECONDS:
            return
        async with self.unit_of_work() as uow:
            repo = TimerRepository(uow.session, self.tables)
            for schedule in self.schedules.values():
                following = schedule.next_after(moment)
                key = occurrence_key(following)
                await repo.drop_other_future_occurrences(schedule.kind, key, moment)
                await repo.insert_if_absent(schedule.kind, key, following, {}, moment)
            await uow.commit()
        self._schedules_checked = checked

    async def _arm_next_occurrence(
        self, repo: TimerRepository, timer: Timer, moment: datetime
    ) -> None:
        schedule = self.schedules.get(timer.kind)
        if schedule is None:
            return
        following = schedule.next_after(max(moment, timer.due_at))
        await repo.insert_if_absent(schedule.kind, occurrence_key(following), following, {}, moment)

    # --- reads ---

    async def _next_due(self, moment: datetime, tried: set[int]) -> Timer | None:
        async with self.read_session_factory() as session, session.begin():
            repo = TimerRepository(session, self.tables)
            return await repo.next_due(moment, self.kinds, passed_by=tried)

    async def _next_run_at(self) -> datetime | None:
        async with self.read_session_factory() as session, session.begin():
            return await TimerRepository(session, self.tables).next_run_at(self.kinds)

    async def _measure(self) -> None:
        checked = time.monotonic()
        if checked - self._gauges_measured < GAUGE_SECONDS:
            return
        self._gauges_measured = checked
        async with self.read_session_factory() as session, session.begin():
            counts = await TimerRepository(session, self.tables).count_by_state()
        for state in ("pending", "done", "failed"):
            TIMERS_STORED.labels(self.service, state).set(counts.get(state, 0))


def handles_batches(handler: AnyTimerHandler) -> "TypeIs[BatchTimerHandler]":
    """Whether ``handler`` takes a kind's timers all at once; otherwise it takes one."""
    return getattr(handler, "handles_batches", False) is True


@contextlib.contextmanager
def _correlation(timer: Timer) -> Iterator[str]:
    """The timer's correlation id (a new one if it has none), set for the logs meanwhile."""
    value = timer.correlation_id or str(uuid4())
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


async def delete_fired_timers(uow: UnitOfWork, older_than: timedelta) -> int:
    """Housekeeping: forget timers that fired more than ``older_than`` ago (failed ones stay)."""
    cutoff = uow.clock.now() - older_than
    return await TimerRepository(uow.session, uow.tables).delete_done_before(cutoff)
