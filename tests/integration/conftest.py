"""Fixtures of the platform tests: every service on its own database (SQLite files, or
PostgreSQL databases where a server is reachable: ``make_database`` from
``tests/fixtures.py``), and a broker of the test's own.

A broker per test rather than the session's: a new platform reads its topics from the
beginning, so on a shared broker each test would first consume every earlier test's events
(and dead-letter their poison ones), a cost that grows through the run until a late test's
own changes miss their propagation timeout. Tansu starts in well under a second."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from crm_launcher.broker import BundledBroker, free_port

from tests.integration.platform import SERVICES, Platform


@pytest.fixture
async def kafka_bootstrap(tmp_path: Path) -> AsyncIterator[str]:
    broker = BundledBroker(port=free_port(), log=tmp_path / "tansu.log")
    await broker.start_async()
    try:
        yield broker.bootstrap
    finally:
        await asyncio.to_thread(broker.stop)


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
