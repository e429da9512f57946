"""SQLite through aiosqlite, one thread hop per statement instead of three or four.

aiosqlite runs the ``sqlite3`` connection in a thread of its own and hands it each call
through a queue; SQLAlchemy's adapter makes one such call to open a cursor, one to execute,
one to fetch and one to close it. Every hop wakes the thread and then the event loop, and
that (not SQLite) was a fifth of a create's CPU: 25 hops for its 7 statements. This dialect
runs cursor, execute, fetch and close as one call in aiosqlite's thread, sends a
transaction's BEGIN with its first statement, and skips the commit or rollback of a
transaction that never began. Everything else is SQLAlchemy's ``aiosqlite``
dialect; ``crm_shared.db.engine`` uses it for every ``sqlite+aiosqlite`` URL.

It leans on ``aiosqlite.Connection._execute`` (queue a function for the connection's
thread), stable since aiosqlite 0.17; the tests of every service run through it.
"""

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "aiosqlite_onehop"
# What ``crm_shared.db.engine`` starts transactions with.
BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})


class _Outcome:
    """What SQLAlchemy reads off a cursor after a statement ran (the cursor itself is closed
    in the connection's thread)."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        pass


def _run(
    connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> tuple[Any, list[Any], int, int | None]:
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        if not many and operation in BEGINS:
            connection.pending_begin = operation  # sent with the transaction's first statement
            return
        begin, connection.pending_begin = connection.pending_begin, None
        async with connection._execute_mutex:
            thread = self._connection  # aiosqlite's Connection: a queue to its thread
            description, rows, rowcount, lastrowid = await thread._execute(
                _run, thread._conn, begin, operation, parameters, many
            )
        outcome: _Outcome = self._cursor  # type: ignore[assignment]
        outcome.description, outcome.rowcount, outcome.lastrowid = description, rowcount, lastrowid
        if description:
            self._rows = collections.deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("pending_begin",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # A BEGIN not sent yet: it rides with the first statement, saving a hop per
        # transaction; a transaction that ends before any statement never sends it.
        self.pending_begin: str | None = None

    def commit(self) -> None:
        if self._nothing_begun():
            return
        super().commit()

    def rollback(self) -> None:
        # The pool also rolls back every connection it takes back: with the driver's
        # transaction control off (``isolation_level = None``), there is nothing to undo
        # while SQLite is in autocommit, and asking would cost a hop.
        if self._nothing_begun():
            return
        super().rollback()

    def _nothing_begun(self) -> bool:
        self.pending_begin = None
        raw = self._connection._connection
        return raw is None or not raw.in_transaction


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's dialect: never block exit
        return OneHopConnection(self, await_(connection))


class OneHopSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))
