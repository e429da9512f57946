"""Fixtures for every test in the repository (a pytest plugin: see the root ``conftest.py``).

- ``broker`` / ``kafka_bootstrap``: one bundled Tansu broker for the whole session. It is
  memory-only and shared: create your topics with ``ensure_topics``, use unique consumer
  group ids, and never restart it (start your own ``BundledBroker`` for that).
- ``postgres_server_url``: the local PostgreSQL server, or a skip (a failure when CI=true).
- ``make_postgres_database``: ``await make_postgres_database()`` -> URL of a new, empty
  database, dropped at the end of the session.
- ``make_database``: the test runs on SQLite and again on PostgreSQL (marked ``postgres``);
  ``await make_database("customer")`` -> URL of a new, empty database of that backend.
"""

import os
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest
import pytest_asyncio
from crm_launcher.broker import BundledBroker, free_port
from crm_shared.testing.databases import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_SERVER_URL,
    connect_postgres_admin,
    create_postgres_database,
    drop_postgres_databases,
    sqlite_url,
)
from fastapi import FastAPI

from tests.integration.platform import ALL_SERVICES, service_app, service_settings

NO_POSTGRES = f"no PostgreSQL server reachable at {POSTGRES_HOST}:{POSTGRES_PORT}"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BundledBroker]:
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with BundledBroker(port=free_port(), log=log) as started:
        yield started


@pytest.fixture(scope="session")
def kafka_bootstrap(broker: BundledBroker) -> str:
    return broker.bootstrap


def postgres_unavailable(detail: str) -> NoReturn:
    """Skip the test, except in CI (CI=true), where a missing database must fail the run
    rather than silently skip every PostgreSQL test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NO_POSTGRES} and CI=true requires one ({detail})")
    pytest.skip(NO_POSTGRES)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_server_url() -> str:
    try:
        connection = await connect_postgres_admin()
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        postgres_unavailable(f"{type(exc).__name__}: {exc}")
    await connection.close()
    return POSTGRES_SERVER_URL


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _created_postgres_databases(postgres_server_url: str) -> AsyncIterator[list[str]]:
    """URLs of the databases ``make_postgres_database`` created; dropped at session end."""
    urls: list[str] = []
    yield urls
    await drop_postgres_databases(urls)


@pytest.fixture
def make_postgres_database(
    postgres_server_url: str, _created_postgres_databases: list[str]
) -> Callable[[], Awaitable[str]]:
    async def make() -> str:
        url = await create_postgres_database()
        _created_postgres_databases.append(url)
        return url

    return make


@pytest.fixture(params=BACKENDS)
def make_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[str], Awaitable[str]]:
    """An async factory: a name (``"customer"``) -> the URL of a new, empty database, a
    SQLite file in the test's folder or a PostgreSQL database. A sync fixture, so that only
    the PostgreSQL variant asks for (and may skip on) the server."""
    if request.param == "postgresql":
        make_postgres: Callable[[], Awaitable[str]] = request.getfixturevalue(
            "make_postgres_database"
        )

        async def postgres(_name: str) -> str:
            return await make_postgres()

        return postgres

    made: Counter[str] = Counter()

    async def sqlite_file(name: str) -> str:
        made[name] += 1
        suffix = "" if made[name] == 1 else f"-{made[name]}"
        return sqlite_url(tmp_path / f"{name}{suffix}.db")

    return sqlite_file


@pytest.fixture(params=ALL_SERVICES)
async def each_service_app(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    """Each service's app in turn (SQLite, no bus, started), for tests that walk every route
    of every service."""
    name: str = request.param
    settings = service_settings(
        name, database_url=f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}", data_dir=tmp_path
    )
    application = service_app(name, settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application
