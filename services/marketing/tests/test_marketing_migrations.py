"""The migrations create exactly the tables the models declare, on SQLite and PostgreSQL."""

from typing import Any

import crm_marketing.models  # noqa: F401  (every table on the metadata)
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from crm_marketing.db import Base
from fastapi import FastAPI
from sqlalchemy.engine import Connection


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(app: FastAPI) -> None:
    async with app.state.runtime.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
