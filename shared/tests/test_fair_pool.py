"""SQLite's one write connection goes to whoever has waited longest, never to a newcomer
that happens to ask the moment it is returned."""

import asyncio
from pathlib import Path

import pytest
import sqlalchemy.exc
from crm_shared.db.engine import create_engine
from crm_shared.testing.databases import sqlite_url


async def test_a_returned_connection_goes_to_the_longest_waiter(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "fair.db"))
    served: list[str] = []

    async def take(name: str) -> None:
        async with engine.connect() as connection:
            served.append(name)
            await connection.exec_driver_sql("SELECT 1")

    try:
        holder = await engine.connect()
        waiters = [asyncio.create_task(take(f"waiter {i}")) for i in range(3)]
        for _ in range(20):  # let them all get in line
            await asyncio.sleep(0)
        await holder.close()
        await take("newcomer")  # asks at once, in the same turn of the loop
        await asyncio.gather(*waiters)
    finally:
        await engine.dispose()
    assert served == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]


async def test_a_waiter_that_times_out_passes_its_turn_on(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "fair.db"), pool_timeout=0.01)
    try:
        holder = await engine.connect()
        with pytest.raises(sqlalchemy.exc.TimeoutError):
            async with engine.connect():
                pass
        await holder.close()
        async with engine.connect() as connection:  # the timed-out waiter kept nothing
            assert (await connection.exec_driver_sql("SELECT 1")).scalar() == 1
    finally:
        await engine.dispose()
