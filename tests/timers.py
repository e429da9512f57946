"""Firing a service app's due timers in a test."""

from crm_shared.timers.repository import TimerRepository
from fastapi import FastAPI

from tests.helpers import wait_for


async def fire_timers(app: FastAPI) -> None:
    """Fire the timers due at the clock's now, and wait for any the app's own timer worker
    claimed first: it may commit after ``fire_due`` returned (and a test that moved the clock
    on meanwhile would have it decide at the later time)."""
    runtime = app.state.runtime
    await runtime.timers.fire_due()
    moment = runtime.timers.clock.now()

    async def settled() -> bool:
        async with runtime.session_factory() as session:
            repository = TimerRepository(session, runtime.tables)
            next_run = await repository.next_run_at(runtime.timers.kinds)
        return next_run is None or next_run > moment

    await wait_for(settled, timeout=10, message="the due timers fired")
