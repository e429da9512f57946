"""Every service's revision 0002 adds the timers table as PlatformTables declares it, on
SQLite and PostgreSQL, and goes down and up again cleanly."""

import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from crm_shared.db import create_engine, upgrade_to_head
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

SERVICES = ["customer", "marketing", "sales", "support", "analytics"]


def _differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _downgrade(connection: Connection, script_location: Path, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


@pytest.mark.parametrize("service", SERVICES)
async def test_revision_0002_adds_the_timers_table(bus_database_url: str, service: str) -> None:
    app = importlib.import_module(f"crm_{service}.app")  # every model on its metadata
    metadata: MetaData = importlib.import_module(f"crm_{service}.db").Base.metadata
    engine = create_engine(bus_database_url)
    try:
        await upgrade_to_head(engine, app.MIGRATIONS)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, metadata) == []
            assert "timers" in await connection.run_sync(_tables)

        async with engine.begin() as connection:
            await connection.run_sync(_downgrade, app.MIGRATIONS, "0001")
        async with engine.connect() as connection:
            tables = await connection.run_sync(_tables)
        assert "timers" not in tables
        assert {"outbox", "inbox", "idempotency_keys"} <= tables

        await upgrade_to_head(engine, app.MIGRATIONS)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, metadata) == []
    finally:
        await engine.dispose()
