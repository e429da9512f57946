"""One async engine per service database: SQLite (the embedded default) or PostgreSQL."""

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


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
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # A reader needs no lock in WAL mode (it must not queue behind writers); a writer takes
    # the write lock at BEGIN, so that a read-then-write transaction cannot fail half way.
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
