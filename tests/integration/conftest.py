"""Fixtures of the platform tests: every service on its own database (SQLite files, or
PostgreSQL databases where a server is reachable), all on the session broker."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.integration.platform import SERVICES, Platform

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def make_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[str], Awaitable[str]]:
    """An async factory: service name -> the URL of a new, empty database for it. A sync
    fixture, so that only the PostgreSQL variant asks for (and may skip on) the server."""
    if request.param == "postgresql":
        make_postgres: Callable[[], Awaitable[str]] = request.getfixturevalue(
            "make_postgres_database"
        )

        async def postgres(_service: str) -> str:
            return await make_postgres()

        return postgres

    async def sqlite_file(service: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / f'{service}.db'}"

    return sqlite_file


@pytest.fixture
async def platform(
    make_database: Callable[[str], Awaitable[str]], kafka_bootstrap: str
) -> AsyncIterator[Platform]:
    urls = {name: await make_database(name) for name in SERVICES}
    running = Platform(kafka_bootstrap, urls)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
