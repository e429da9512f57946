"""Rows loaded for a run of events, changed in memory, written back in bulk.

A projection handles a run of events in three steps: load every row the run touches in one
query (locked on PostgreSQL), fold the events over those rows in memory, in order, with the
same guards a per-event handler would use, and write the outcome back with one multi-row
INSERT for new rows and one executemany UPDATE for changed ones.
"""

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from crm_shared.db.statements import insert_ignoring_duplicates

Row = dict[str, Any]


class ConcurrentInsertError(Exception):
    """Another consumer instance inserted one of the rows this run inserts. Transient: the
    run is applied again, and then finds the row."""


class RowSet:
    def __init__(self, loaded: Mapping[str, Row]) -> None:
        self._rows: dict[str, Row] = {key: dict(row) for key, row in loaded.items()}
        self._new: set[str] = set()
        self._changed: set[str] = set()

    def get(self, key: str) -> Row | None:
        return self._rows.get(key)

    def insert(self, key: str, row: Row) -> None:
        self._rows[key] = dict(row)
        self._new.add(key)

    def update(self, key: str, values: Row) -> None:
        self._rows[key].update(values)
        if key not in self._new:
            self._changed.add(key)

    @property
    def inserted(self) -> list[Row]:
        return [self._rows[key] for key in sorted(self._new)]

    @property
    def updated(self) -> list[Row]:
        return [self._rows[key] for key in sorted(self._changed)]


class BulkRows:
    """The bulk reads and writes of a RowSet on one table with a single-column key."""

    def __init__(self, session: AsyncSession, table: Table, key: str = "id") -> None:
        self.session = session
        self.table = table
        self.key = key

    async def load(self, keys: Iterable[str]) -> dict[str, Row]:
        """The rows with these keys, locked until commit on PostgreSQL (other instances
        may project onto the same rows from other partitions)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        column = self.table.c[self.key]
        statement = select(self.table).where(column.in_(wanted)).with_for_update()
        rows = (await self.session.execute(statement)).mappings()
        return {row[self.key]: dict(row) for row in rows}

    async def write(self, rows: RowSet) -> None:
        columns = [column.name for column in self.table.columns]
        if inserted := rows.inserted:
            statement = insert_ignoring_duplicates(self.session, self.table, (self.key,))
            result = await self.session.execute(
                statement.returning(self.table.c[self.key]),
                [{name: row.get(name) for name in columns} for row in inserted],
            )
            if len(result.all()) != len(inserted):
                raise ConcurrentInsertError(f"a row of {self.table.name} appeared meanwhile")
        if updated := rows.updated:
            await self.session.execute(
                _update_by_key(self.table, self.key),
                [
                    {**{name: row.get(name) for name in columns}, "_key": row[self.key]}
                    for row in updated
                ],
            )


@functools.cache
def _update_by_key(table: Table, key: str) -> Update:
    """``UPDATE table SET every column WHERE key = :_key``, built once (executemany)."""
    return (
        update(table)
        .where(table.c[key] == bindparam("_key"))
        .values({column.name: bindparam(column.name) for column in table.columns})
    )
