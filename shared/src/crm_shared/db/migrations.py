"""Alembic, run from code: every service applies its migrations at start-up.

A service's ``migrations/env.py`` is two lines::

    from crm_shared.db.migrations import run_alembic_env
    run_alembic_env(Base.metadata)

and its first revision creates the platform tables with :func:`create_platform_tables`.
"""

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.db.platform_tables import define_platform_tables


async def upgrade_to_head(engine: AsyncEngine, script_location: Path) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, script_location)


def _upgrade(connection: Connection, script_location: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_alembic_env(target_metadata: MetaData) -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run from code: call crm_shared.db.upgrade_to_head()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def create_platform_tables(op: Any) -> None:
    """Create outbox, inbox and idempotency tables (for a service's first migration).

    With the naming convention every service's metadata uses, so that the constraints get the
    names the models declare (else autogenerate sees a spurious change on the outbox)."""
    for table in define_platform_tables(MetaData(naming_convention=NAMING_CONVENTION)).all:
        table.create(op.get_bind())


def drop_platform_tables(op: Any) -> None:
    for table in reversed(define_platform_tables(MetaData()).all):
        table.drop(op.get_bind())
