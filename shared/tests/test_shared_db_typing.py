"""The typed helpers that stand in for SQLAlchemy's wider types: a model's Table, and the
rows a data-changing statement counted; and the bulk insert (COPY on PostgreSQL)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from crm_shared.db import UTCDateTime, table_of
from crm_shared.db.engine import create_engine
from crm_shared.db.statements import KEYS_PER_QUERY, affected_rows, insert_many
from sqlalchemy import JSON, Float, Numeric, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(String(20))


def test_table_of_a_model_is_the_table_it_maps() -> None:
    table = table_of(Note)
    assert isinstance(table, Table)
    assert table is Note.__table__
    assert table.name == "notes"


async def test_affected_rows_counts_an_update_and_refuses_a_select(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session, session.begin():
            rows = [{"id": "a", "text": "x"}, {"id": "b", "text": "x"}, {"id": "c", "text": "y"}]
            await session.execute(insert(table_of(Note)), rows)
            changed = await session.execute(
                update(Note)
                .where(Note.text == "x")
                .values(text="z")
                .execution_options(synchronize_session=False)
            )
            assert affected_rows(changed) == 2
            with pytest.raises(TypeError):
                affected_rows(await session.execute(select(Note)))
    finally:
        await engine.dispose()


class Reading(Base):
    __tablename__ = "readings"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    share: Mapped[float | None] = mapped_column(Float)
    details: Mapped[Any] = mapped_column(JSON)


async def test_insert_many_stores_what_an_insert_would(
    make_database: Callable[[str], Awaitable[str]],
) -> None:
    """On PostgreSQL through COPY: every value converted as SQLAlchemy's own insert would."""
    engine = create_engine(await make_database("insert_many"))
    taken = datetime(2026, 12, 6, 10, 30, 15, 123456, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {"id": "a", "taken_at": taken, "amount": Decimal("12.34"), "share": 0.25,
         "details": [{"code": "inactive", "weight": 0.4}]},
        {"id": "b", "taken_at": None, "amount": None, "share": None, "details": {}},
    ] + [
        {"id": f"n{n}", "taken_at": taken, "amount": Decimal(n), "share": n / 7, "details": [n]}
        for n in range(KEYS_PER_QUERY + 3)  # more than one chunk where there are chunks
    ]  # fmt: skip
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session, session.begin():
            await insert_many(session, table_of(Reading), rows)
        async with AsyncSession(engine) as session:
            stored = {reading.id: reading for reading in await session.scalars(select(Reading))}
        assert len(stored) == len(rows)
        for row in rows:
            reading = stored[row["id"]]
            assert (reading.taken_at, reading.share, reading.details) == (
                row["taken_at"],
                row["share"],
                row["details"],
            )
            assert reading.amount == row["amount"]
    finally:
        await engine.dispose()
