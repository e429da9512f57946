"""Several instances of a service share the timers table: each timer fires once. A worker
waits for the soonest timer and is woken by a commit that schedules a sooner one."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from crm_shared.clock import FakeClock
from crm_shared.db import UnitOfWork
from crm_shared.timers import Timer, schedule

from shared.tests.timers_harness import TimerHarness

KIND = "test.effect"


@pytest.fixture
async def postgres_timers(
    make_postgres_database: Callable[[], Awaitable[str]], clock: FakeClock
) -> AsyncIterator[TimerHarness]:
    harness = TimerHarness(await make_postgres_database(), clock)
    await harness.create_tables()
    yield harness
    await harness.dispose()


async def schedule_many(harness: TimerHarness, count: int) -> list[str]:
    keys = [f"t-{n:03}" for n in range(count)]
    async with harness.unit_of_work() as uow:
        for n, key in enumerate(keys):
            await schedule(uow, kind=KIND, key=key, due_at=uow.clock.now() + timedelta(seconds=n))
        await uow.commit()
    return keys


async def test_instances_firing_at_once_fire_each_timer_once(
    timers: TimerHarness, clock: FakeClock
) -> None:
    keys = await schedule_many(timers, 30)
    clock.advance(minutes=1)
    instances = [timers.worker(batch_size=1000) for _ in range(3)]

    attempted = await asyncio.gather(*(worker.fire_due() for worker in instances))

    assert sum(attempted) == 30
    assert sorted(await timers.effect_keys()) == keys
    assert len(await timers.outbox()) == 30


async def test_on_postgresql_an_instance_passes_by_a_timer_another_is_firing(
    postgres_timers: TimerHarness, clock: FakeClock
) -> None:
    """The first instance holds the timer (FOR UPDATE SKIP LOCKED) while its handler runs:
    the second finds nothing to fire, and after the commit nothing is due any more."""
    harness = postgres_timers
    inside, release = asyncio.Event(), asyncio.Event()

    async def slow(uow: UnitOfWork, timer: Timer) -> None:
        await harness.record_effect(uow, timer)
        inside.set()
        await release.wait()

    await schedule_many(harness, 1)
    first, second = harness.worker({KIND: slow}), harness.worker({KIND: slow})
    firing = asyncio.create_task(first.fire_due())
    await asyncio.wait_for(inside.wait(), 10)

    assert await second.fire_due() == 0  # locked by the first: passed by, not waited for
    release.set()
    assert await asyncio.wait_for(firing, 10) == 1
    assert await second.fire_due() == 0
    assert await harness.effects_of() == 1


async def test_on_postgresql_a_crashed_firing_leaves_the_timer_to_another_instance(
    postgres_timers: TimerHarness, clock: FakeClock
) -> None:
    """An instance that dies mid-handler commits nothing; its lock goes with its
    connection, and another instance fires the timer."""
    harness = postgres_timers
    inside = asyncio.Event()

    async def hangs(uow: UnitOfWork, timer: Timer) -> None:
        await harness.record_effect(uow, timer)
        inside.set()
        await asyncio.Event().wait()

    await schedule_many(harness, 1)
    doomed = asyncio.create_task(harness.worker({KIND: hangs}).fire_due())
    await asyncio.wait_for(inside.wait(), 10)
    doomed.cancel()  # the instance is killed
    with pytest.raises(asyncio.CancelledError):
        await doomed

    assert await harness.worker().fire_due() == 1
    assert await harness.effects_of() == 1


async def test_a_waiting_worker_is_woken_by_a_commit_that_schedules_a_sooner_timer(
    timers: TimerHarness, clock: FakeClock
) -> None:
    worker = timers.worker(poll_seconds=300)  # it would otherwise look again in 5 minutes
    running = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)  # let it settle into its (long) wait
        async with timers.unit_of_work() as uow:
            await schedule(uow, kind=KIND, key="now", due_at=clock.now())
            await uow.commit()
        for _ in range(100):  # a bounded wait for the background task, not for time
            if await timers.effects_of("now"):
                break
            await asyncio.sleep(0.05)
        assert await timers.effects_of("now") == 1
        assert worker.ready() == "ok"
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_later_timer_does_not_wake_the_worker(
    timers: TimerHarness, clock: FakeClock
) -> None:
    worker = timers.worker()
    worker._sleeping_until = clock.now() + timedelta(seconds=1)
    worker.notify(clock.now() + timedelta(hours=1))
    assert not worker._wakeup.is_set()
    worker.notify(clock.now())
    assert worker._wakeup.is_set()
