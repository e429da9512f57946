"""SQLite transactions: writers queue for the lock, readers never wait for a writer."""

from pathlib import Path

from crm_shared.db.engine import create_engine
from sqlalchemy import text


async def test_a_reader_is_not_blocked_by_an_open_write_transaction(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    reading = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db", read_only=True)
    try:
        async with engine.begin() as setup:
            await setup.execute(text("CREATE TABLE t (n INTEGER)"))
            await setup.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO t VALUES (2)"))  # holds the write lock
            # Were the reader to BEGIN IMMEDIATE it would wait out busy_timeout and fail
            # with "database is locked" while this transaction stays open.
            async with reading.begin() as reader:
                seen = (await reader.execute(text("SELECT count(*) FROM t"))).scalar()
            assert seen == 1, "the reader sees the last committed state"
    finally:
        await engine.dispose()
        await reading.dispose()


async def test_two_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    import asyncio

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        async with engine.begin() as setup:
            await setup.execute(text("CREATE TABLE t (n INTEGER)"))

        async def read_then_write(n: int) -> None:
            async with engine.begin() as connection:
                await connection.execute(text("SELECT count(*) FROM t"))
                await asyncio.sleep(0)  # let the other writer start its transaction
                await connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

        await asyncio.gather(*(read_then_write(n) for n in range(10)))
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 10
    finally:
        await engine.dispose()
