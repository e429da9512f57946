"""Timers fired in chunks: many due timers commit in one transaction (a batch handler gets
its kind's timers of the chunk at once), and a chunk whose handler raises is fired again
one timer at a time, so only the failing timer records a failed attempt. On SQLite and
PostgreSQL, on a FakeClock."""

from collections.abc import Sequence
from datetime import timedelta

from crm_shared.clock import FakeClock
from crm_shared.db import UnitOfWork
from crm_shared.timers import Timer, schedule
from sqlalchemy import insert

from shared.tests.timers_harness import TimerHarness

KIND = "test.effect"
BATCH = "test.batch"


async def schedule_due(harness: TimerHarness, kind: str, keys: Sequence[str]) -> None:
    async with harness.unit_of_work(correlation_id="request-1") as uow:
        now = uow.clock.now()
        for minutes, key in enumerate(keys, start=1):
            await schedule(uow, kind=kind, key=key, due_at=now + timedelta(minutes=minutes))
        await uow.commit()


class BatchEffects:
    handles_batches = True

    def __init__(self, harness: TimerHarness) -> None:
        self.harness = harness
        self.calls: list[list[str]] = []

    async def __call__(self, uow: UnitOfWork, timers: Sequence[Timer]) -> None:
        self.calls.append([timer.key for timer in timers])
        effects = [{"kind": timer.kind, "key": timer.key} for timer in timers]
        await uow.session.execute(insert(self.harness.effects), effects)


async def test_a_chunk_fires_in_due_order_and_a_pass_stops_at_its_batch_size(
    timers: TimerHarness, clock: FakeClock
) -> None:
    keys = [f"t-{n:02}" for n in range(12)]
    await schedule_due(timers, KIND, keys)
    clock.advance(hours=1)
    worker = timers.worker(chunk_size=5, batch_size=10)

    assert await worker.fire_due() == 10
    assert await timers.effect_keys() == keys[:10]
    assert await worker.fire_due() == 2
    assert await timers.effect_keys() == keys
    assert {state for _, state in await timers.timers_of(KIND)} == {"done"}
    # Each event keeps the correlation id of the timer that recorded it.
    assert {event["correlationid"] for event in await timers.outbox()} == {"request-1"}


async def test_a_batch_handler_gets_the_chunk_of_its_kind_at_once(
    timers: TimerHarness, clock: FakeClock
) -> None:
    await schedule_due(timers, BATCH, ["a", "b", "c", "d", "e"])
    clock.advance(hours=1)
    handler = BatchEffects(timers)
    worker = timers.worker({BATCH: handler}, chunk_size=3)

    assert await worker.fire_due() == 5
    assert handler.calls == [["a", "b", "c"], ["d", "e"]]
    assert await timers.effect_keys() == ["a", "b", "c", "d", "e"]


async def test_a_failing_timer_in_a_chunk_fails_alone(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def fails_on_c(uow: UnitOfWork, timer: Timer) -> None:
        if timer.key == "c":
            raise RuntimeError("c cannot be handled")
        await timers.record_effect(uow, timer)

    await schedule_due(timers, KIND, ["a", "b", "c", "d"])
    clock.advance(hours=1)
    worker = timers.worker({KIND: fails_on_c}, chunk_size=10)

    assert await worker.fire_due() == 4
    assert await timers.effect_keys() == ["a", "b", "d"]
    assert len(await timers.outbox()) == 3  # the rolled-back chunk's events are gone
    states = dict(await timers.timers_of(KIND))
    assert states == {"a": "done", "b": "done", "c": "pending", "d": "done"}
    found = await timers.timer(KIND, "c")
    assert found is not None
    timer, _, error = found
    assert timer.attempts == 1
    assert error is not None
    assert error.startswith("RuntimeError")
