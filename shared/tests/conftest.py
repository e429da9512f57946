"""Fixtures for the shared library's bus tests: a BusHarness on SQLite and on PostgreSQL."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from shared.tests.bus_harness import BusHarness, make_harness


@pytest.fixture(params=["sqlite", "postgresql"])
def bus_database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Awaitable[str]]:
    """A factory of the test's database URL. PostgreSQL is asked for only by its own variant
    (so the SQLite variant runs where no server is), and from a sync fixture, where
    pytest-asyncio can still set an async fixture up."""
    if request.param == "postgresql":
        maker: Callable[[], Awaitable[str]] = request.getfixturevalue("make_postgres_database")
        return maker

    async def sqlite_url() -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/bus.db"

    return sqlite_url


@pytest.fixture
async def bus_database_url(bus_database: Callable[[], Awaitable[str]]) -> str:
    return await bus_database()


@pytest.fixture
async def bus(bus_database_url: str, kafka_bootstrap: str) -> AsyncIterator[BusHarness]:
    harness = await make_harness(bus_database_url, kafka_bootstrap)
    yield harness
    await harness.stop()
    await harness.engine.dispose()
