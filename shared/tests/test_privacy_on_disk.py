"""Privacy on disk: SQLite runs with secure_delete on every connection, and the WAL is
checkpointed and truncated after an erasure, so the erased data is in no file any more."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crm_shared.db import engine as engine_module
from crm_shared.db.engine import checkpoint_wal, create_engine
from crm_shared.db.platform_tables import define_platform_tables
from crm_shared.db.uow import UnitOfWork
from crm_shared.privacy import scrub_from_disk
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

EMAIL = "grace.hopper.5e1f@example.org"
PHONE = "+15550104242"


@dataclass
class Database:
    folder: Path
    writer: AsyncEngine
    reader: AsyncEngine

    def unit_of_work(self) -> UnitOfWork:
        tables = define_platform_tables(MetaData())
        return UnitOfWork(async_sessionmaker(self.writer), tables, source="crm/test")

    def files_holding(self, *secrets: str) -> dict[str, list[str]]:
        """File name -> the secrets found in its bytes, for every file of the folder."""
        found = {}
        for path in sorted(self.folder.iterdir()):
            content = path.read_bytes()
            hits = [s for s in secrets if s.encode() in content]
            if hits:
                found[path.name] = hits
        return found

    def wal_size(self) -> int:
        return (self.folder / "people.db-wal").stat().st_size


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    folder = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{folder / 'people.db'}"
    db = Database(folder, create_engine(url), create_engine(url, read_only=True))
    async with db.writer.begin() as connection:
        await connection.execute(
            text("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE, phone TEXT)")
        )
        await connection.execute(text("CREATE INDEX ix_people_phone ON people (phone)"))
        # Neighbours, so that the person shares pages with data that stays.
        for n in range(300):
            await connection.execute(
                text("INSERT INTO people (email, phone) VALUES (:e, :p)"),
                {"e": f"someone.{n}@example.org", "p": f"+1555000{n:04d}"},
            )
        await connection.execute(
            text("INSERT INTO people (id, email, phone) VALUES (1000, :e, :p)"),
            {"e": EMAIL, "p": PHONE},
        )
    # A second write after the person's, so the WAL holds several images of their page.
    async with db.writer.begin() as connection:
        await connection.execute(text("UPDATE people SET phone = phone WHERE id < 10"))
    try:
        yield db
    finally:
        await db.writer.dispose()
        await db.reader.dispose()


async def erase_person(uow: UnitOfWork) -> None:
    await uow.session.execute(text("UPDATE people SET email = NULL, phone = NULL WHERE id = 1000"))


async def test_every_connection_runs_with_secure_delete(database: Database) -> None:
    for engine in (database.writer, database.reader):
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA secure_delete"))).scalar() == 1


async def test_an_erasure_leaves_the_data_in_no_file(database: Database) -> None:
    assert database.files_holding(EMAIL, PHONE), "the scan must see the data while it is there"

    async with database.unit_of_work() as uow:
        await erase_person(uow)
        scrub_from_disk(uow)
        await uow.commit()

    assert database.wal_size() == 0
    assert database.files_holding(EMAIL, PHONE) == {}
    async with database.reader.connect() as connection:  # and the database is intact
        count = await connection.execute(text("SELECT count(*) FROM people WHERE email IS NULL"))
        assert count.scalar() == 1


async def test_without_secure_delete_the_checkpoint_would_copy_the_data_into_the_file(
    database: Database,
) -> None:
    """The control: both measures are needed (the checkpoint alone moves the old bytes from
    the WAL into the database file's free space)."""

    def secure_delete_off(connection: Connection) -> None:
        connection.connection.dbapi_connection.cursor().execute(  # type: ignore[union-attr]
            "PRAGMA secure_delete=OFF"
        )

    async with database.writer.connect() as connection:  # the writer pool's one connection
        await connection.run_sync(secure_delete_off)
    async with database.unit_of_work() as uow:
        await erase_person(uow)
        scrub_from_disk(uow)
        await uow.commit()

    assert database.wal_size() == 0
    assert "people.db" in database.files_holding(EMAIL, PHONE)


async def test_a_rolled_back_erasure_does_not_checkpoint(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await erase_person(uow)
        scrub_from_disk(uow)
        await uow.rollback()
    assert database.wal_size() > 0


async def test_the_checkpoint_waits_for_a_reader_on_an_older_snapshot(
    database: Database,
) -> None:
    async with database.reader.connect() as reading:
        await reading.begin()
        await reading.execute(text("SELECT count(*) FROM people"))  # holds its snapshot
        async with database.unit_of_work() as uow:
            await erase_person(uow)
            await uow.commit()
        checkpoint = asyncio.create_task(checkpoint_wal(database.writer))
        await asyncio.sleep(0.3)
        assert not checkpoint.done(), "SQLite cannot truncate the WAL under a live snapshot"
        # Writers are not held up meanwhile: the checkpoint gives the connection back.
        async with database.writer.begin() as connection:
            await connection.execute(text("UPDATE people SET phone = phone WHERE id = 1"))
        await reading.rollback()
    assert await asyncio.wait_for(checkpoint, timeout=10)
    assert database.wal_size() == 0
    assert database.files_holding(EMAIL, PHONE) == {}


async def test_a_checkpoint_that_stays_busy_gives_up_and_says_so(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine_module, "CHECKPOINT_ATTEMPTS", 3)
    async with database.reader.connect() as reading:
        await reading.begin()
        await reading.execute(text("SELECT count(*) FROM people"))
        async with database.writer.begin() as connection:
            await connection.execute(text("UPDATE people SET phone = phone WHERE id = 1"))
        assert await checkpoint_wal(database.writer) is False
        await reading.rollback()
    assert "WAL checkpoint still busy" in caplog.text
    assert await checkpoint_wal(database.writer) is True


async def test_the_checkpoint_is_a_no_op_on_postgresql() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connected
    try:
        assert await checkpoint_wal(engine) is True
    finally:
        await engine.dispose()


async def test_sql_errors_do_not_quote_the_statement_parameters(database: Database) -> None:
    with pytest.raises(IntegrityError) as raised:
        async with database.writer.begin() as connection:
            await connection.execute(
                text("INSERT INTO people (email) VALUES (:e)"), {"e": "someone.1@example.org"}
            )
    assert "someone.1@example.org" not in str(raised.value)
    assert "hide_parameters" in str(raised.value)
