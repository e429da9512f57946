"""The hand-written migrations create exactly what the models declare."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from crm_support.models import Base
from fastapi import FastAPI
from sqlalchemy.engine import Connection


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(support_app: FastAPI) -> None:
    async with support_app.state.runtime.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_migrations_are_idempotent_on_restart(support_app: FastAPI) -> None:
    runtime = support_app.state.runtime
    await runtime.start()
    await runtime.stop()
