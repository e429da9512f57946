"""Fixtures for the shared library's bus tests: a BusHarness on SQLite and on PostgreSQL."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from shared.tests.bus_harness import BusHarness, make_harness


@pytest.fixture(params=["sqlite", "postgresql"])
async def bus_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/bus.db"
    make_postgres_database: Callable[[], Awaitable[str]] = request.getfixturevalue(
        "make_postgres_database"
    )
    return await make_postgres_database()


@pytest.fixture
async def bus(bus_database_url: str, kafka_bootstrap: str) -> AsyncIterator[BusHarness]:
    harness = await make_harness(bus_database_url, kafka_bootstrap)
    yield harness
    await harness.stop()
    await harness.engine.dispose()
