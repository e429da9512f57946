"""A tiny service on the shared bus (its own tables, a handler that records what it applied),
built from the real pieces: outbox relay, idempotent consumer, SQLite or PostgreSQL."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from crm_shared.bus.consumer import EventConsumer
from crm_shared.bus.relay import OutboxRelay
from crm_shared.bus.topics import CUSTOMER
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork, create_engine, define_platform_tables
from crm_shared.events import CloudEvent
from crm_shared.settings import ServiceSettings
from crm_shared.testing import erased
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class BusSettings(ServiceSettings):
    service_name = "bustest"


class BusHarness:
    def __init__(self, engine: AsyncEngine, settings: ServiceSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.metadata = MetaData()
        self.tables = define_platform_tables(self.metadata)
        self.applied = Table(
            "applied",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False),
            Column("customer_id", String(64), nullable=False),
        )
        self.session_factory = async_sessionmaker(engine, expire_on_commit=False)
        self.relays: list[OutboxRelay] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.relay_tasks: dict[OutboxRelay, asyncio.Task[None]] = {}

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.tables, source="crm/bustest")

    async def create_tables(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def record(self, uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
        await uow.session.execute(
            insert(self.applied).values(event_id=str(envelope.id), customer_id=event.customer_id)
        )

    async def write_events(self, customer_id: str, count: int = 1) -> list[CloudEvent]:
        async with self.unit_of_work() as uow:
            for version in range(1, count + 1):
                uow.record(erased(customer_id, version))
            await uow.commit()
        return uow.published

    def start_relay(self, **overrides: object) -> OutboxRelay:
        settings = self.settings.model_copy(update=overrides)
        relay = OutboxRelay(settings, self.session_factory, self.tables)
        self.relays.append(relay)
        self.tasks.append(asyncio.create_task(relay.run()))
        self.relay_tasks[relay] = self.tasks[-1]
        return relay

    async def kill_relay(self, relay: OutboxRelay) -> None:
        """Stop ``relay`` the way a dying process would leave it: nothing more is written
        (its last marks included, which a test makes fail)."""
        task = self.relay_tasks.pop(relay)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def start_consumer(
        self, group_id: str, handler: Callable[..., Awaitable[None]] | None = None
    ) -> EventConsumer:
        consumer = EventConsumer(
            self.settings,
            (CUSTOMER,),
            {CustomerErased: handler or self.record},
            self.unit_of_work,
            group_id=group_id,
        )
        self.tasks.append(asyncio.create_task(consumer.run()))
        return consumer

    async def applied_count(self, customer_id: str) -> int:
        async with self.session_factory() as session:
            return await count_applied(session, self.applied, customer_id)

    async def unsent(self) -> int:
        async with self.session_factory() as session:
            outbox = self.tables.outbox
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return int(await session.scalar(query) or 0)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        # Bounded: a relay or consumer that ignores its cancellation is a bug to report here,
        # not a test run that hangs.
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 30)
        self.tasks.clear()


async def count_applied(session: AsyncSession, applied: Table, customer_id: str) -> int:
    query = select(func.count()).select_from(applied).where(applied.c.customer_id == customer_id)
    return int(await session.scalar(query) or 0)


def new_customer_id() -> str:
    return f"cust-{uuid.uuid4().hex[:12]}"


def settled(
    probe: Callable[[], Awaitable[object]], expected: object
) -> Callable[[], Awaitable[bool]]:
    """A predicate for ``wait_for``: true once ``probe()`` returns ``expected``."""

    async def check() -> bool:
        return await probe() == expected

    return check


async def make_harness(database_url: str, bootstrap: str) -> BusHarness:
    settings = BusSettings(
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        kafka_idempotence=False,
        relay_max_backoff_seconds=0.5,
        consumer_max_backoff_seconds=0.5,
        relay_idle_poll_seconds=0.1,
        kafka_session_timeout_ms=2_000,
    )
    harness = BusHarness(create_engine(database_url), settings)
    await harness.create_tables()
    return harness
