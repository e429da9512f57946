"""Recurring schedules from cron expressions: every occurrence is a timer, fired once even
with several instances; missed occurrences fire once after a restart; a changed expression
replaces the occurrence armed by the old one. Time moves on a FakeClock."""

from datetime import UTC, datetime

import pytest
from crm_shared.clock import FakeClock
from crm_shared.db import UnitOfWork
from crm_shared.timers import Schedule, Timer

from shared.tests.timers_harness import TimerHarness

NINE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NINE)


def hourly(harness: TimerHarness, cron: str = "0 * * * *") -> Schedule:
    return Schedule("digest", cron, harness.record_effect)


async def test_each_occurrence_fires_once(timers: TimerHarness, clock: FakeClock) -> None:
    worker = timers.worker({}, [hourly(timers)])
    assert await worker.fire_due() == 0  # arms 10:00
    assert await timers.timers_of("schedule.digest") == [("2026-01-01T10:00:00+00:00", "pending")]

    clock.set(datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    assert await worker.fire_due() == 1
    assert await worker.fire_due() == 0
    clock.set(datetime(2026, 1, 1, 10, 59, tzinfo=UTC))
    assert await worker.fire_due() == 0
    clock.set(datetime(2026, 1, 1, 11, 0, tzinfo=UTC))
    assert await worker.fire_due() == 1

    assert await timers.effect_keys() == ["2026-01-01T10:00:00+00:00", "2026-01-01T11:00:00+00:00"]
    assert await timers.timers_of("schedule.digest") == [
        ("2026-01-01T10:00:00+00:00", "done"),
        ("2026-01-01T11:00:00+00:00", "done"),
        ("2026-01-01T12:00:00+00:00", "pending"),
    ]


async def test_several_instances_arm_and_fire_each_occurrence_once(
    timers: TimerHarness, clock: FakeClock
) -> None:
    instances = [timers.worker({}, [hourly(timers)]) for _ in range(3)]
    for worker in instances:
        await worker.fire_due()
    assert await timers.timers_of("schedule.digest") == [("2026-01-01T10:00:00+00:00", "pending")]

    for hour in (10, 11, 12):
        clock.set(datetime(2026, 1, 1, hour, 0, tzinfo=UTC))
        fired = [await worker.fire_due() for worker in instances]
        assert sum(fired) == 1
    assert len(await timers.effect_keys()) == 3


async def test_occurrences_missed_while_stopped_fire_once_after_start(
    timers: TimerHarness, clock: FakeClock
) -> None:
    await timers.worker({}, [hourly(timers)]).fire_due()  # armed 10:00, then "stopped"

    clock.set(datetime(2026, 1, 1, 13, 30, tzinfo=UTC))  # 10, 11, 12 and 13 o'clock missed
    restarted = timers.worker({}, [hourly(timers)])
    assert await restarted.fire_due() == 1
    assert await restarted.fire_due() == 0
    assert await timers.effect_keys() == ["2026-01-01T10:00:00+00:00"]
    assert await timers.timers_of("schedule.digest") == [
        ("2026-01-01T10:00:00+00:00", "done"),
        ("2026-01-01T14:00:00+00:00", "pending"),
    ]


async def test_a_changed_expression_replaces_the_armed_occurrence(
    timers: TimerHarness, clock: FakeClock
) -> None:
    await timers.worker({}, [hourly(timers)]).fire_due()  # armed 10:00
    redeployed = timers.worker({}, [hourly(timers, "30 * * * *")])
    await redeployed.fire_due()
    assert await timers.timers_of("schedule.digest") == [("2026-01-01T09:30:00+00:00", "pending")]
    clock.set(datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    assert await redeployed.fire_due() == 1
    assert await timers.effect_keys() == ["2026-01-01T09:30:00+00:00"]


async def test_a_failing_occurrence_does_not_stop_its_schedule(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def fails(uow: UnitOfWork, timer: Timer) -> None:
        raise RuntimeError("boom")

    worker = timers.worker({}, [Schedule("digest", "0 * * * *", fails)], max_attempts=1)
    await worker.fire_due()
    clock.set(datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    assert await worker.fire_due() == 1
    assert await timers.timers_of("schedule.digest") == [
        ("2026-01-01T10:00:00+00:00", "failed"),
        ("2026-01-01T11:00:00+00:00", "pending"),
    ]


async def test_a_schedule_in_a_time_zone(timers: TimerHarness, clock: FakeClock) -> None:
    nightly = Schedule("refit", "0 2 * * *", timers.record_effect, timezone="Europe/Berlin")
    await timers.worker({}, [nightly]).fire_due()
    # 02:00 in Berlin on 2 January 2026 is 01:00 UTC (winter time).
    assert await timers.timers_of("schedule.refit") == [("2026-01-02T01:00:00+00:00", "pending")]


def test_a_bad_schedule_is_refused_when_declared(timers: TimerHarness) -> None:
    with pytest.raises(ValueError, match="invalid cron"):
        Schedule("bad", "61 * * * *", timers.record_effect)
    with pytest.raises(Exception, match="Nowhere"):
        Schedule("bad", "0 * * * *", timers.record_effect, timezone="Nowhere/Land")
    with pytest.raises(ValueError, match="declared twice"):
        timers.worker({"schedule.digest": timers.record_effect}, [hourly(timers)])
