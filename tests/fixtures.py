"""Fixtures for every test in the repository (a pytest plugin: see the root ``conftest.py``).

- ``broker`` / ``kafka_bootstrap``: one bundled Tansu broker for the whole session. It is
  memory-only and shared: create your topics with ``ensure_topics``, use unique consumer
  group ids, and never restart it (start your own ``BundledBroker`` for that).
- ``postgres_server_url``: the local PostgreSQL server, or a skip (a failure when CI=true).
- ``make_postgres_database``: ``await make_postgres_database()`` -> URL of a new, empty
  database, dropped at the end of the session.
"""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import NoReturn

import asyncpg
import pytest
import pytest_asyncio
from crm_launcher.broker import BundledBroker, free_port

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_USER = "postgres"  # trust authentication: no password
POSTGRES_SERVER_URL = f"postgresql+asyncpg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}"
NO_POSTGRES = f"no PostgreSQL server reachable at {POSTGRES_HOST}:{POSTGRES_PORT}"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BundledBroker]:
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with BundledBroker(port=free_port(), log=log) as started:
        yield started


@pytest.fixture(scope="session")
def kafka_bootstrap(broker: BundledBroker) -> str:
    return broker.bootstrap


async def connect_postgres_admin() -> asyncpg.Connection:
    """A connection to the server's ``postgres`` database, for CREATE / DROP DATABASE."""
    return await asyncpg.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=POSTGRES_USER,
        database="postgres",
        timeout=5,
    )


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
    """Names of the databases ``make_postgres_database`` created; dropped at session end."""
    names: list[str] = []
    yield names
    if not names:
        return
    connection = await connect_postgres_admin()
    try:
        for name in names:
            # FORCE: a test's leftover pooled connections must not keep the database alive.
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
def make_postgres_database(
    postgres_server_url: str, _created_postgres_databases: list[str]
) -> Callable[[], Awaitable[str]]:
    async def make() -> str:
        name = f"crm_test_{uuid.uuid4().hex[:12]}"
        connection = await connect_postgres_admin()
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        _created_postgres_databases.append(name)
        return f"{postgres_server_url}/{name}"

    return make
