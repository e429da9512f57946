"""Durable timers: fire once when due (state, events and the done mark in one commit),
cancel, move, schedule again, retry a failing handler and give up on it, housekeeping.
On SQLite and PostgreSQL; time moves on a FakeClock, nothing sleeps."""

from datetime import timedelta

import pytest
from crm_shared.clock import FakeClock
from crm_shared.db import UnitOfWork
from crm_shared.metrics import TIMER_ERRORS, TIMERS_FAILED, TIMERS_FIRED
from crm_shared.timers import (
    Timer,
    TimerState,
    cancel,
    delete_fired_timers,
    get_timer,
    reschedule,
    schedule,
)
from sqlalchemy import func, select

from shared.tests.timers_harness import TimerHarness

KIND = "test.effect"


async def schedule_in(harness: TimerHarness, key: str, delay: timedelta, **payload: object) -> None:
    async with harness.unit_of_work() as uow:
        await schedule(uow, kind=KIND, key=key, due_at=uow.clock.now() + delay, payload=payload)
        await uow.commit()


async def test_a_timer_fires_once_when_due_with_its_state_change_and_events(
    timers: TimerHarness, clock: FakeClock
) -> None:
    worker = timers.worker()
    await schedule_in(timers, "t-1", timedelta(hours=1), reason="sla")

    assert await worker.fire_due() == 0  # not due yet
    clock.advance(minutes=59)
    assert await worker.fire_due() == 0
    assert await timers.effects_of("t-1") == 0

    clock.advance(minutes=1)
    assert await worker.fire_due() == 1
    assert await timers.effects_of("t-1") == 1
    [event] = await timers.outbox()
    assert event["type"] == "crm.customer.erased.v1"
    assert event["subject"] == "t-1"
    found = await timers.timer(KIND, "t-1")
    assert found is not None
    timer, state, error = found
    assert (state, error, timer.attempts, timer.payload) == ("done", None, 1, {"reason": "sla"})

    clock.advance(hours=5)
    assert await worker.fire_due() == 0  # once
    assert await timers.effects_of("t-1") == 1
    assert len(await timers.outbox()) == 1


async def test_the_handler_gets_the_timer_as_scheduled(
    timers: TimerHarness, clock: FakeClock
) -> None:
    seen: list[Timer] = []

    async def handler(uow: UnitOfWork, timer: Timer) -> None:
        seen.append(timer)

    due = clock.now() + timedelta(minutes=10)
    async with timers.unit_of_work() as uow:
        await schedule(uow, kind="note", key="k", due_at=due, payload={"n": 1, "list": [1, 2]})
        await uow.commit()
    clock.advance(hours=1)
    assert await timers.worker({"note": handler}).fire_due() == 1

    [timer] = seen
    assert (timer.kind, timer.key, timer.due_at, timer.attempts) == ("note", "k", due, 0)
    assert timer.payload == {"n": 1, "list": [1, 2]}


async def test_timers_fire_in_due_order_and_only_kinds_the_worker_handles(
    timers: TimerHarness, clock: FakeClock
) -> None:
    for key, minutes in (("b", 20), ("a", 10), ("c", 30)):
        await schedule_in(timers, key, timedelta(minutes=minutes))
    async with timers.unit_of_work() as uow:
        await schedule(uow, kind="other.kind", key="x", due_at=clock.now())
        await uow.commit()
    clock.advance(hours=1)

    assert await timers.worker().fire_due() == 3
    assert await timers.effect_keys() == ["a", "b", "c"]
    found = await timers.timer("other.kind", "x")
    assert found is not None
    assert found[1] == "pending"


async def test_a_batch_is_capped_and_the_rest_fire_on_the_next_pass(
    timers: TimerHarness, clock: FakeClock
) -> None:
    for n in range(5):
        await schedule_in(timers, f"k{n}", timedelta(minutes=n))
    clock.advance(hours=1)
    worker = timers.worker(batch_size=3)
    assert await worker.fire_due() == 3
    assert await worker.fire_due() == 2
    assert await timers.effects_of() == 5


async def test_a_cancelled_timer_never_fires(timers: TimerHarness, clock: FakeClock) -> None:
    await schedule_in(timers, "t-1", timedelta(minutes=5))
    async with timers.unit_of_work() as uow:
        assert await cancel(uow, KIND, "t-1") is True
        assert await cancel(uow, KIND, "t-1") is False  # already gone
        assert await cancel(uow, KIND, "never-scheduled") is False
        await uow.commit()
    clock.advance(hours=1)
    assert await timers.worker().fire_due() == 0
    assert await timers.effects_of() == 0
    assert await timers.timer(KIND, "t-1") is None


async def test_a_cancel_that_rolls_back_cancels_nothing(
    timers: TimerHarness, clock: FakeClock
) -> None:
    await schedule_in(timers, "t-1", timedelta(minutes=5))
    async with timers.unit_of_work() as uow:
        assert await cancel(uow, KIND, "t-1") is True
        # no commit: the unit of work rolls back
    clock.advance(hours=1)
    assert await timers.worker().fire_due() == 1


async def test_a_fired_timer_cannot_be_cancelled_or_moved(
    timers: TimerHarness, clock: FakeClock
) -> None:
    await schedule_in(timers, "t-1", timedelta(minutes=5))
    clock.advance(minutes=5)
    await timers.worker().fire_due()
    async with timers.unit_of_work() as uow:
        assert await cancel(uow, KIND, "t-1") is False
        assert await reschedule(uow, KIND, "t-1", clock.now() + timedelta(hours=1)) is False
        found = await get_timer(uow, KIND, "t-1")
    assert found is not None
    assert found[1] is TimerState.DONE


async def test_a_moved_timer_fires_at_its_new_time_only(
    timers: TimerHarness, clock: FakeClock
) -> None:
    """An SLA that pauses: its breach timer moves later; then sooner again."""
    worker = timers.worker()
    await schedule_in(timers, "ticket-1", timedelta(hours=4), reason="sla")
    async with timers.unit_of_work() as uow:
        moved = await reschedule(uow, KIND, "ticket-1", clock.now() + timedelta(hours=6))
        await uow.commit()
    assert moved is True

    clock.advance(hours=4)
    assert await worker.fire_due() == 0  # the old due time no longer counts
    async with timers.unit_of_work() as uow:  # move it sooner (but still ahead)
        await reschedule(uow, KIND, "ticket-1", clock.now() + timedelta(minutes=30))
        await uow.commit()
    clock.advance(minutes=29)
    assert await worker.fire_due() == 0
    clock.advance(minutes=1)
    assert await worker.fire_due() == 1
    found = await timers.timer(KIND, "ticket-1")
    assert found is not None
    assert found[0].payload == {"reason": "sla"}  # moving keeps the payload
    assert found[0].due_at == clock.now()


async def test_scheduling_an_existing_timer_again_replaces_it(
    timers: TimerHarness, clock: FakeClock
) -> None:
    worker = timers.worker()
    await schedule_in(timers, "t-1", timedelta(minutes=5), version=1)
    await schedule_in(timers, "t-1", timedelta(minutes=50), version=2)
    clock.advance(minutes=10)
    assert await worker.fire_due() == 0
    clock.advance(minutes=40)
    assert await worker.fire_due() == 1
    assert await timers.effects_of("t-1") == 1

    # A timer that fired can be scheduled again (a new reminder for the same thing).
    await schedule_in(timers, "t-1", timedelta(minutes=5), version=3)
    clock.advance(minutes=5)
    assert await worker.fire_due() == 1
    assert await timers.effects_of("t-1") == 2
    found = await timers.timer(KIND, "t-1")
    assert found is not None
    assert found[0].payload == {"version": 3}


async def test_a_handler_may_arm_its_own_timer_again(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def every_hour_three_times(uow: UnitOfWork, timer: Timer) -> None:
        await timers.record_effect(uow, timer)
        effects = timers.effects
        done = await uow.session.scalar(
            select(func.count()).select_from(effects).where(effects.c.key == timer.key)
        )
        if done < 3:
            await schedule(
                uow, kind=timer.kind, key=timer.key, due_at=timer.due_at + timedelta(hours=1)
            )

    worker = timers.worker({KIND: every_hour_three_times})
    await schedule_in(timers, "r", timedelta(hours=1))
    for _ in range(5):
        clock.advance(hours=1)
        await worker.fire_due()
    assert await timers.effects_of("r") == 3
    found = await timers.timer(KIND, "r")
    assert found is not None
    assert found[1] == "done"


async def test_a_handler_that_raises_leaves_no_state_no_event_and_the_timer_due(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def fails_after_writing(uow: UnitOfWork, timer: Timer) -> None:
        await timers.record_effect(uow, timer)  # a row and an event, then:
        raise RuntimeError("the mail server said no")

    worker = timers.worker({KIND: fails_after_writing}, retry_base_seconds=60, max_attempts=3)
    errors_before = TIMER_ERRORS.labels("timertest", KIND)._value.get()
    await schedule_in(timers, "t-1", timedelta(0))

    assert await worker.fire_due() == 1  # attempted
    assert await timers.effects_of() == 0
    assert await timers.outbox() == []
    found = await timers.timer(KIND, "t-1")
    assert found is not None
    timer, state, error = found
    assert (state, timer.attempts) == ("pending", 1)
    assert error is not None
    assert error.startswith("RuntimeError")
    assert "mail server" not in error  # messages may quote personal data: withheld
    assert TIMER_ERRORS.labels("timertest", KIND)._value.get() == errors_before + 1


async def test_a_failing_handler_is_retried_with_back_off_then_marked_failed(
    timers: TimerHarness, clock: FakeClock
) -> None:
    calls: list[int] = []

    async def always_fails(uow: UnitOfWork, timer: Timer) -> None:
        calls.append(timer.attempts)
        raise RuntimeError("boom")

    worker = timers.worker({KIND: always_fails}, retry_base_seconds=60, max_attempts=3)
    failed_before = TIMERS_FAILED.labels("timertest", KIND)._value.get()
    await schedule_in(timers, "t-1", timedelta(0))

    assert await worker.fire_due() == 1  # attempt 1 fails: retry in 60 s
    clock.advance(seconds=59)
    assert await worker.fire_due() == 0
    clock.advance(seconds=1)
    assert await worker.fire_due() == 1  # attempt 2 fails: retry in 120 s
    clock.advance(seconds=119)
    assert await worker.fire_due() == 0
    clock.advance(seconds=1)
    assert await worker.fire_due() == 1  # attempt 3 fails: given up
    clock.advance(days=1)
    assert await worker.fire_due() == 0

    assert calls == [0, 1, 2]
    found = await timers.timer(KIND, "t-1")
    assert found is not None
    timer, state, error = found
    assert (state, timer.attempts) == ("failed", 3)
    assert error is not None
    assert error.startswith("RuntimeError")
    assert TIMERS_FAILED.labels("timertest", KIND)._value.get() == failed_before + 1

    # Visible, not lost: it can be scheduled again once the cause is fixed.
    async def works(uow: UnitOfWork, timer: Timer) -> None:
        await timers.record_effect(uow, timer)

    await schedule_in(timers, "t-1", timedelta(0))
    assert await timers.worker({KIND: works}).fire_due() == 1
    assert await timers.effects_of("t-1") == 1


async def test_a_handler_that_recovers_fires_once(timers: TimerHarness, clock: FakeClock) -> None:
    attempts: list[int] = []

    async def flaky(uow: UnitOfWork, timer: Timer) -> None:
        attempts.append(timer.attempts)
        await timers.record_effect(uow, timer)
        if timer.attempts < 2:
            raise ConnectionError("partner API away")

    worker = timers.worker({KIND: flaky}, retry_base_seconds=1)
    fired_before = TIMERS_FIRED.labels("timertest", KIND)._value.get()
    await schedule_in(timers, "t-1", timedelta(0))
    for _ in range(5):
        await worker.fire_due()
        clock.advance(minutes=1)

    assert attempts == [0, 1, 2]
    assert await timers.effects_of("t-1") == 1
    assert len(await timers.outbox()) == 1
    assert TIMERS_FIRED.labels("timertest", KIND)._value.get() == fired_before + 1


async def test_a_timer_moved_while_failing_keeps_its_new_time(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def fails(uow: UnitOfWork, timer: Timer) -> None:
        raise RuntimeError("boom")

    worker = timers.worker({KIND: fails}, retry_base_seconds=60)
    await schedule_in(timers, "t-1", timedelta(0))
    await worker.fire_due()
    async with timers.unit_of_work() as uow:  # the service moves it a day on
        assert await reschedule(uow, KIND, "t-1", clock.now() + timedelta(days=1))
        await uow.commit()
    clock.advance(hours=1)
    assert await worker.fire_due() == 0


async def test_events_of_a_timer_carry_the_correlation_of_the_unit_that_scheduled_it(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async with timers.unit_of_work(correlation_id="request-42") as uow:
        await schedule(uow, kind=KIND, key="t-1", due_at=clock.now())
        await uow.commit()
    await timers.worker().fire_due()
    [event] = await timers.outbox()
    assert event["correlationid"] == "request-42"


async def test_bad_arguments_fail_where_the_timer_is_scheduled(
    timers: TimerHarness, clock: FakeClock
) -> None:
    naive = clock.now().replace(tzinfo=None)
    async with timers.unit_of_work() as uow:
        with pytest.raises(ValueError, match="timezone-aware"):
            await schedule(uow, kind=KIND, key="k", due_at=naive)
        with pytest.raises(ValueError, match="timezone-aware"):
            await reschedule(uow, KIND, "k", naive)
        with pytest.raises(TypeError):
            await schedule(uow, kind=KIND, key="k", due_at=clock.now(), payload={"x": object()})
        with pytest.raises(ValueError, match="key"):
            await schedule(uow, kind=KIND, key="", due_at=clock.now())


async def test_housekeeping_forgets_fired_timers_and_keeps_failed_and_pending(
    timers: TimerHarness, clock: FakeClock
) -> None:
    async def fails(uow: UnitOfWork, timer: Timer) -> None:
        raise RuntimeError("boom")

    await schedule_in(timers, "fired", timedelta(0))
    await timers.worker().fire_due()
    async with timers.unit_of_work() as uow:
        await schedule(uow, kind="failing", key="f", due_at=clock.now())
        await schedule(uow, kind=KIND, key="later", due_at=clock.now() + timedelta(days=30))
        await uow.commit()
    await timers.worker({"failing": fails}, max_attempts=1).fire_due()

    clock.advance(days=8)
    async with timers.unit_of_work() as uow:
        assert await delete_fired_timers(uow, timedelta(days=7)) == 1
        await uow.commit()
    assert await timers.timer(KIND, "fired") is None
    failed = await timers.timer("failing", "f")
    assert failed is not None
    assert failed[1] == "failed"
    assert await timers.timer(KIND, "later") is not None
