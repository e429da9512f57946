"""Fresh, empty databases for tests: a SQLite file, or a database of its own on the local
PostgreSQL server (127.0.0.1:5432, user ``postgres``, trust authentication: no password).

The pytest fixtures over these (``make_database``, ``make_postgres_database``) are in the
repository's ``tests/fixtures.py``."""

from collections.abc import Iterable
from pathlib import Path
from uuid import uuid4

import asyncpg

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_USER = "postgres"
POSTGRES_SERVER_URL = f"postgresql+asyncpg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def connect_postgres_admin() -> asyncpg.Connection:
    """A connection to the server's ``postgres`` database, for CREATE / DROP DATABASE."""
    return await asyncpg.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, database="postgres", timeout=5
    )


async def create_postgres_database(prefix: str = "crm_test") -> str:
    """Creates an empty database and returns its URL; drop it with ``drop_postgres_databases``."""
    name = f"{prefix}_{uuid4().hex[:12]}"
    connection = await connect_postgres_admin()
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{POSTGRES_SERVER_URL}/{name}"


async def drop_postgres_databases(urls: Iterable[str]) -> None:
    names = [url.rsplit("/", 1)[1] for url in urls]
    if not names:
        return
    connection = await connect_postgres_admin()
    try:
        for name in names:
            # FORCE: a test's leftover pooled connections must not keep the database alive.
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
