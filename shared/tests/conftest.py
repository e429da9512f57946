"""Fixtures for the shared library's bus and timer tests: a database on SQLite and on
PostgreSQL (``make_database``, from ``tests/fixtures.py``), a BusHarness on it, and a
TimerHarness on it whose time moves only with ``clock``."""

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from crm_shared.testing import FakeClock

from shared.tests.bus_harness import BusHarness, make_harness
from shared.tests.timers_harness import TimerHarness


@pytest.fixture
async def bus_database_url(make_database: Callable[[str], Awaitable[str]]) -> str:
    return await make_database("bus")


@pytest.fixture
async def bus(bus_database_url: str, kafka_bootstrap: str) -> AsyncIterator[BusHarness]:
    harness = await make_harness(bus_database_url, kafka_bootstrap)
    yield harness
    await harness.stop()
    await harness.engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def timers(bus_database_url: str, clock: FakeClock) -> AsyncIterator[TimerHarness]:
    harness = TimerHarness(bus_database_url, clock)
    await harness.create_tables()
    yield harness
    await harness.dispose()
