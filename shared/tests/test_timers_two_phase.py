"""Two-phase timer handlers: ``prepare`` runs with no write transaction open (another
writer commits meanwhile, even on SQLite's single writer), ``apply`` commits with the done
mark; a failing ``prepare`` is retried with back-off; a timer cancelled or moved while it
was prepared is not applied. On SQLite and PostgreSQL, on a FakeClock."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from crm_shared.clock import FakeClock
from crm_shared.db import UnitOfWork
from crm_shared.timers import (
    PrepareContext,
    Timer,
    TwoPhaseTimerHandler,
    cancel,
    reschedule,
    schedule,
)
from sqlalchemy import func, insert, select

from shared.tests.timers_harness import TimerHarness

KIND = "test.two-phase"
WAIT = 10  # seconds: a bound on waits for the other task, never reached when all is well


class Calls(TwoPhaseTimerHandler[str]):
    """Prepares by counting the effects already there (a read) and then awaiting
    ``during`` (the slow outside work, which the test controls); applies by writing an
    effect and an event."""

    def __init__(
        self, harness: TimerHarness, during: Callable[[Timer], Awaitable[None]] | None = None
    ) -> None:
        self.harness = harness
        self.during = during
        self.prepared: list[tuple[str, int]] = []  # (key, attempts before)
        self.applied: list[tuple[str, str]] = []  # (key, what prepare returned)

    async def prepare(self, timer: Timer, context: PrepareContext) -> str:
        async with context.reading() as session:
            effects = self.harness.effects
            seen = await session.scalar(select(func.count()).select_from(effects))
        self.prepared.append((timer.key, timer.attempts))
        if self.during is not None:
            await self.during(timer)
        return f"seen {seen}"

    async def apply(self, uow: UnitOfWork, timer: Timer, prepared: str) -> None:
        self.applied.append((timer.key, prepared))
        await self.harness.record_effect(uow, timer)


async def schedule_now(harness: TimerHarness, key: str, kind: str = KIND) -> None:
    async with harness.unit_of_work() as uow:
        await schedule(uow, kind=kind, key=key, due_at=uow.clock.now())
        await uow.commit()


async def state_of(harness: TimerHarness, key: str) -> tuple[str, int, str | None] | None:
    found = await harness.timer(KIND, key)
    if found is None:
        return None
    timer, state, error = found
    return state, timer.attempts, error


async def test_prepare_runs_with_no_write_transaction_open_and_apply_commits_with_the_done_mark(
    timers: TimerHarness, clock: FakeClock
) -> None:
    inside, release = asyncio.Event(), asyncio.Event()

    async def slow(timer: Timer) -> None:
        inside.set()
        await release.wait()

    handler = Calls(timers, slow)
    await schedule_now(timers, "t-1")
    firing = asyncio.create_task(timers.worker({KIND: handler}).fire_due())
    try:
        await asyncio.wait_for(inside.wait(), WAIT)

        # Another writer commits while prepare waits: on SQLite it would queue behind the
        # worker's write lock (and time out here) if prepare ran inside a transaction.
        async def other_writer() -> None:
            async with timers.unit_of_work() as uow:
                await uow.session.execute(insert(timers.effects).values(kind="other", key="w"))
                await uow.commit()

        await asyncio.wait_for(other_writer(), WAIT)
        assert await timers.effects_of("w") == 1
        assert await state_of(timers, "t-1") == ("pending", 0, None)  # not claimed yet
        assert not firing.done()
    finally:
        release.set()
    assert await asyncio.wait_for(firing, WAIT) == 1

    assert handler.applied == [("t-1", "seen 0")]
    assert await timers.effects_of("t-1") == 1
    [event] = await timers.outbox()
    assert event["subject"] == "t-1"
    assert await state_of(timers, "t-1") == ("done", 1, None)
    clock.advance(hours=1)
    assert await timers.worker({KIND: handler}).fire_due() == 0  # once


async def test_a_failing_prepare_is_retried_with_back_off_then_marked_failed(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def partner_away(timer: Timer) -> None:
        if timer.attempts < 2:
            raise ConnectionError("partner away")

    handler = Calls(timers, partner_away)
    worker = timers.worker({KIND: handler}, retry_base_seconds=60, max_attempts=5)
    await schedule_now(timers, "t-1")

    assert await worker.fire_due() == 1  # attempt 1 fails: retry in 60 s
    state = await state_of(timers, "t-1")
    assert state is not None
    assert state[:2] == ("pending", 1)
    assert state[2] is not None
    assert state[2].startswith("ConnectionError")
    clock.advance(seconds=59)
    assert await worker.fire_due() == 0
    clock.advance(seconds=1)
    assert await worker.fire_due() == 1  # attempt 2 fails: retry in 120 s
    clock.advance(seconds=120)
    assert await worker.fire_due() == 1  # attempt 3 succeeds

    assert handler.prepared == [("t-1", 0), ("t-1", 1), ("t-1", 2)]
    assert [key for key, _ in handler.applied] == ["t-1"]
    assert await timers.effects_of("t-1") == 1
    assert await state_of(timers, "t-1") == ("done", 3, None)

    async def never(timer: Timer) -> None:
        raise ConnectionError("gone for good")

    await schedule_now(timers, "t-2")
    gives_up = timers.worker({KIND: Calls(timers, never)}, max_attempts=1)
    assert await gives_up.fire_due() == 1
    state = await state_of(timers, "t-2")
    assert state is not None
    assert state[:2] == ("failed", 1)


async def test_a_failing_apply_rolls_back_and_is_retried(
    timers: TimerHarness, clock: FakeClock
) -> None:
    class FailsToApply(Calls):
        async def apply(self, uow: UnitOfWork, timer: Timer, prepared: str) -> None:
            await super().apply(uow, timer, prepared)
            if timer.attempts == 0:
                raise RuntimeError("constraint")

    handler = FailsToApply(timers)
    worker = timers.worker({KIND: handler}, retry_base_seconds=1)
    await schedule_now(timers, "t-1")
    assert await worker.fire_due() == 1
    assert await timers.effects_of("t-1") == 0  # rolled back: no state, no event
    assert await timers.outbox() == []
    clock.advance(seconds=1)
    assert await worker.fire_due() == 1
    assert await timers.effects_of("t-1") == 1
    assert await state_of(timers, "t-1") == ("done", 2, None)


async def test_a_timer_cancelled_while_it_is_prepared_is_not_applied(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def cancelled_meanwhile(timer: Timer) -> None:
        async with timers.unit_of_work() as uow:
            assert await cancel(uow, KIND, timer.key)
            await uow.commit()

    handler = Calls(timers, cancelled_meanwhile)
    await schedule_now(timers, "t-1")
    assert await timers.worker({KIND: handler}).fire_due() == 1  # prepared, then dropped

    assert handler.prepared == [("t-1", 0)]
    assert handler.applied == []
    assert await timers.effects_of() == 0
    assert await timers.outbox() == []
    assert await timers.timer(KIND, "t-1") is None


async def test_a_timer_moved_while_it_is_prepared_is_applied_only_at_its_new_time(
    timers: TimerHarness, clock: FakeClock
) -> None:
    moved: list[str] = []

    async def moved_meanwhile(timer: Timer) -> None:
        if moved:
            return
        async with timers.unit_of_work() as uow:
            assert await reschedule(uow, KIND, timer.key, clock.now() + timedelta(hours=1))
            await uow.commit()
        moved.append(timer.key)

    handler = Calls(timers, moved_meanwhile)
    worker = timers.worker({KIND: handler})
    await schedule_now(timers, "t-1")
    assert await worker.fire_due() == 1  # prepared, then dropped: it moved
    assert handler.applied == []
    assert await state_of(timers, "t-1") == ("pending", 0, None)

    clock.advance(hours=1)
    assert await worker.fire_due() == 1
    assert [key for key, _ in handler.applied] == ["t-1"]
    assert await state_of(timers, "t-1") == ("done", 1, None)


async def test_ordinary_and_two_phase_timers_fire_together_in_due_order(
    timers: TimerHarness, clock: FakeClock
) -> None:
    handler = Calls(timers)
    async with timers.unit_of_work() as uow:
        now = uow.clock.now()
        for key, kind, minutes in (
            ("a", KIND, 1),
            ("b", "test.effect", 2),
            ("c", KIND, 3),
            ("d", "test.effect", 4),
        ):
            await schedule(uow, kind=kind, key=key, due_at=now + timedelta(minutes=minutes))
        await uow.commit()
    clock.advance(hours=1)

    worker = timers.worker({KIND: handler, "test.effect": timers.record_effect})
    assert await worker.fire_due() == 4
    assert await timers.effect_keys() == ["a", "b", "c", "d"]
    assert await worker.fire_due() == 0
