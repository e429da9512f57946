"""One async engine per service database: SQLite (the embedded default) or PostgreSQL.

Privacy on disk (SQLite): every connection runs with ``secure_delete`` on, so that deleted
or overwritten content is zeroed in the database file instead of lingering in free space;
:func:`checkpoint_wal` copies the write-ahead log into the database and truncates it, so
that the old page images in the WAL go too. Both engines hide statement parameters from
error messages and logs (``hide_parameters``): a failed INSERT must not log a customer.
"""

import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm_shared.db import sqlite_driver
from crm_shared.db.fair_pool import FairAsyncQueuePool

log = logging.getLogger(__name__)

registry.register(f"sqlite.{sqlite_driver.DRIVER}", sqlite_driver.__name__, "OneHopSQLiteDialect")

BUSY_TIMEOUT_MS = 30_000
# A checkpoint waits this long for readers that still hold an older snapshot, then gives
# the write connection back (writers queue behind it) and tries again a little later.
CHECKPOINT_BUSY_TIMEOUT_MS = 100
CHECKPOINT_ATTEMPTS = 12
CHECKPOINT_MAX_PAUSE_SECONDS = 1.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str, *, read_only: bool = False, **options: Any) -> AsyncEngine:
    """The service's engine; with ``read_only``, one for transactions that only read (on
    SQLite a separate pool whose transactions take no lock; elsewhere an ordinary engine)."""
    if is_sqlite(url):
        return _sqlite_engine(url, read_only=read_only, **options)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_pre_ping", True)
    options.setdefault("hide_parameters", True)
    return create_async_engine(url, **options)


def _sqlite_engine(url: str, *, read_only: bool, **options: Any) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    if not read_only:
        # SQLite has one writer at a time. With one pooled connection, writers queue fairly
        # for it in asyncio; with several, the losers sleep in SQLite's busy back-off, which
        # is what made the tail latency seconds long.
        options.setdefault("pool_size", 1)
        options.setdefault("max_overflow", 0)
        options.setdefault("pool_timeout", 60)
        options.setdefault("poolclass", FairAsyncQueuePool)  # first come, first served
    options.setdefault("hide_parameters", True)
    driver_url = make_url(url)
    if driver_url.drivername == "sqlite+aiosqlite":
        driver_url = driver_url.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
    engine = create_async_engine(driver_url, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that every transaction starts with
        # BEGIN IMMEDIATE: a deferred transaction that reads and then writes can fail with
        # "database is locked" without waiting, an immediate one queues for the write lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Set here, not left to how SQLite was compiled: deleted content is overwritten with
        # zeros (in b-tree pages and on the freelist), so an erasure leaves no trace.
        cursor.execute("PRAGMA secure_delete=ON")
        (secure_delete,) = cursor.fetchone()
        cursor.close()
        if secure_delete != 1:
            raise RuntimeError("this SQLite cannot turn secure_delete on")

    # A reader needs no lock in WAL mode (it must not queue behind writers); a writer takes
    # the write lock at BEGIN, so that a read-then-write transaction cannot fail half way.
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


async def checkpoint_wal(engine: AsyncEngine | Engine) -> bool:
    """Copy SQLite's write-ahead log into the database file and truncate it to zero bytes,
    so that no page image of deleted data is left in the ``-wal`` file; True once done.

    ``wal_checkpoint(TRUNCATE)`` needs the write lock (it takes ``engine``'s connection, so
    on the service's writer engine, a pool of one, it queues like any writer) and no reader
    on an older snapshot (the read engine's transactions are short): while one is there
    SQLite answers busy, and the checkpoint is tried again after a pause, with the write
    connection given back meanwhile. A no-op (True) on any other database.
    """
    if engine.dialect.name != "sqlite":
        return True
    async_engine = engine if isinstance(engine, AsyncEngine) else AsyncEngine(engine)
    pause = 0.02
    for _attempt in range(CHECKPOINT_ATTEMPTS):
        async with async_engine.connect() as connection:
            busy = await connection.run_sync(_checkpoint)
        if not busy:
            return True
        await asyncio.sleep(pause)
        pause = min(pause * 2, CHECKPOINT_MAX_PAUSE_SECONDS)
    log.warning(
        "WAL checkpoint still busy after %d attempts: erased data stays in the -wal file until "
        "the next checkpoint (the next erasure, or the service stopping)",
        CHECKPOINT_ATTEMPTS,
    )
    return False


def _checkpoint(connection: Connection) -> bool:
    """One ``wal_checkpoint(TRUNCATE)``; True if SQLite answered busy. Run on the driver's
    connection directly: through SQLAlchemy the statement would open a transaction (the
    ``begin`` hook above), inside which SQLite refuses to checkpoint."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_TIMEOUT_MS}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = cursor.fetchone()  # (busy, frames in the log, frames checkpointed)
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
    return row is None or bool(row[0])
