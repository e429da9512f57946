"""A tiny service for the timer tests: the platform tables, an ``effects`` table its timer
handlers write to, and timer workers, each with its own engine (as another instance would
have), on SQLite or PostgreSQL, with a FakeClock."""

import json
from collections.abc import Sequence
from typing import Any

from crm_shared.clock import FakeClock
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork, create_engine, define_platform_tables, is_sqlite
from crm_shared.timers import (
    AnyTimerHandler,
    Schedule,
    Timer,
    TimerRepository,
    TimerSettings,
    TimerWorker,
)
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

SOURCE = "crm/timertest"


class TimerHarness:
    def __init__(self, database_url: str, clock: FakeClock) -> None:
        self.database_url = database_url
        self.clock = clock
        self.metadata = MetaData()
        self.tables = define_platform_tables(self.metadata)
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("kind", String(128), nullable=False),
            Column("key", String(255), nullable=False),
        )
        self.engines: list[AsyncEngine] = []
        self.engine = self._engine()
        self.session_factory = async_sessionmaker(self.engine, expire_on_commit=False)

    def _engine(self, *, read_only: bool = False) -> AsyncEngine:
        engine = create_engine(self.database_url, read_only=read_only)
        self.engines.append(engine)
        return engine

    async def create_tables(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    def unit_of_work(self, correlation_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory,
            self.tables,
            source=SOURCE,
            clock=self.clock,
            correlation_id=correlation_id,
        )

    def worker(
        self,
        handlers: dict[str, AnyTimerHandler] | None = None,
        schedules: Sequence[Schedule] = (),
        **settings: Any,
    ) -> TimerWorker:
        """A worker of a new instance: its own engines, as another process would have."""
        writer = async_sessionmaker(self._engine(), expire_on_commit=False)
        reader = writer
        if is_sqlite(self.database_url):
            reader = async_sessionmaker(self._engine(read_only=True), expire_on_commit=False)

        def unit_of_work() -> UnitOfWork:
            return UnitOfWork(writer, self.tables, source=SOURCE, clock=self.clock)

        return TimerWorker(
            service="timertest",
            tables=self.tables,
            unit_of_work=unit_of_work,
            read_session_factory=reader,
            clock=self.clock,
            handlers=handlers if handlers is not None else {"test.effect": self.record_effect},
            schedules=schedules,
            settings=TimerSettings(**settings),
            skip_locked=not is_sqlite(self.database_url),
        )

    async def record_effect(self, uow: UnitOfWork, timer: Timer) -> None:
        """A handler: a state change and an event, which commit with the done mark."""
        await uow.session.execute(insert(self.effects).values(kind=timer.kind, key=timer.key))
        uow.record(
            CustomerErased(customer_id=timer.key, customer_version=1, erased_at=uow.clock.now())
        )

    async def effects_of(self, key: str | None = None) -> int:
        query = select(func.count()).select_from(self.effects)
        if key is not None:
            query = query.where(self.effects.c.key == key)
        async with self.session_factory() as session:
            return int(await session.scalar(query) or 0)

    async def effect_keys(self) -> list[str]:
        async with self.session_factory() as session:
            rows = await session.execute(select(self.effects.c.key).order_by(self.effects.c.id))
            return [key for (key,) in rows]

    async def outbox(self) -> list[dict[str, Any]]:
        """The events written, as CloudEvents dicts, in write order."""
        outbox = self.tables.outbox
        async with self.session_factory() as session:
            rows = await session.execute(select(outbox.c.payload).order_by(outbox.c.id))
            return [json.loads(payload) for (payload,) in rows]

    async def timer(self, kind: str, key: str) -> tuple[Timer, str, str | None] | None:
        async with self.session_factory() as session:
            return await TimerRepository(session, self.tables).get(kind, key)

    async def timers_of(self, kind: str) -> list[tuple[str, str]]:
        """(key, state) of every timer of ``kind``, by key."""
        table = self.tables.timers
        async with self.session_factory() as session:
            rows = await session.execute(
                select(table.c.key, table.c.state).where(table.c.kind == kind).order_by(table.c.key)
            )
            return [(key, state) for key, state in rows]

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()
