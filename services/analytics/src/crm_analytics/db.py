"""The analytics database: its declarative base, platform tables and dialect helpers."""

from datetime import UTC, datetime
from typing import Any

from crm_shared.db import NAMING_CONVENTION, define_platform_tables
from sqlalchemy import MetaData, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


platform_tables = define_platform_tables(Base.metadata)


def upsert(session: AsyncSession, table: Table) -> Any:
    """An ``INSERT`` that supports ``ON CONFLICT`` on both SQLite and PostgreSQL.

    Projections are replayed and redelivered, so their inserts must tolerate a row that is
    already there; one statement is also cheaper than a read followed by a write.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def aware(moment: datetime) -> datetime:
    """Contracts declare some times as plain ``datetime``: a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
