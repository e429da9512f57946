"""Fixtures of the platform tests: every service on its own database (SQLite files, or
PostgreSQL databases where a server is reachable: ``make_database`` from
``tests/fixtures.py``), all on the session broker."""

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.integration.platform import SERVICES, Platform


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
