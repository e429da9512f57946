"""The hand-written migration creates exactly what the models declare."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from crm_customer.models import Base
from fastapi import FastAPI
from sqlalchemy.engine import Connection


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(customer_app: FastAPI) -> None:
    async with customer_app.state.runtime.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_migrations_are_idempotent_on_restart(customer_app: FastAPI) -> None:
    runtime = customer_app.state.runtime
    await runtime.start()  # upgrade to head again: nothing to do, nothing fails
    await runtime.stop()
