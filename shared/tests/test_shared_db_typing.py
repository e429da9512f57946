"""The typed helpers that stand in for SQLAlchemy's wider types: a model's Table, and the
rows a data-changing statement counted."""

from pathlib import Path

import pytest
from crm_shared.db import table_of
from crm_shared.db.engine import create_engine
from crm_shared.db.statements import affected_rows
from sqlalchemy import String, Table, insert, select, update
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
