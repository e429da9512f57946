"""Alembic, run from code: every service applies its migrations at start-up.

A service's ``migrations/env.py`` is two lines::

    from crm_shared.db.migrations import run_alembic_env
    run_alembic_env(Base.metadata)

and its first revision creates the platform tables with :func:`create_platform_tables`;
revision 0002 adds the timers table with :func:`create_timers_table`, a later one the audit
log with :func:`create_audit_table`.
"""

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.db.platform_tables import (
    define_audit_table,
    define_platform_tables,
    define_timers_table,
)

# What every service's revision 0001 creates. Tables added to the platform later get their
# own revision (and helper) in every service, so that existing databases gain them too.
FIRST_REVISION_TABLES = ("outbox", "inbox", "idempotency_keys")


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
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    define_platform_tables(metadata)
    for name in FIRST_REVISION_TABLES:
        metadata.tables[name].create(op.get_bind())


def drop_platform_tables(op: Any) -> None:
    metadata = MetaData()
    define_platform_tables(metadata)
    for name in reversed(FIRST_REVISION_TABLES):
        metadata.tables[name].drop(op.get_bind())


def create_timers_table(op: Any) -> None:
    """Create the durable timers table (every service's revision 0002)."""
    define_timers_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_timers_table(op: Any) -> None:
    define_timers_table(MetaData()).drop(op.get_bind())


def create_audit_table(op: Any) -> None:
    """Create the audit log table (a revision of its own in every service)."""
    define_audit_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_audit_table(op: Any) -> None:
    define_audit_table(MetaData()).drop(op.get_bind())
