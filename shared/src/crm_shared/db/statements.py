"""Statements built once and executed with parameters.

Building ``insert(table).values(**row)`` for every event costs more CPU than running it:
the values become part of the statement, whose cache key SQLAlchemy must work out again each
time. A statement built once and executed as ``session.execute(statement, row)`` hits the
compiled cache (about 40 % less CPU per insert, measured on SQLite).
"""

import functools

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignoring_duplicates(session: AsyncSession, table: Table, key: tuple[str, ...]) -> Insert:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` for the session's database (SQLite or
    PostgreSQL): the insert a replayed or redelivered event needs. Its rowcount says whether
    the row was new."""
    return _insert_ignoring_duplicates(session.get_bind().dialect.name, table, key)


@functools.cache
def _insert_ignoring_duplicates(dialect: str, table: Table, key: tuple[str, ...]) -> Insert:
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=list(key))
