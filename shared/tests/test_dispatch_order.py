"""The order handlers run in within a run of events: one order that keeps every event type's
list in its order, whatever type the run starts with (a scorer listed after the projection
it reads must not run first because the run opened with an event only the scorer takes)."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest
from crm_shared.bus.handlers import Delivery, Dispatcher, batch_handler
from crm_shared.contracts.customer import CustomerErased
from crm_shared.contracts.sales import OrderPlaced
from crm_shared.db import UnitOfWork, create_engine, define_platform_tables
from crm_shared.testing import deliveries_of, erased
from crm_shared.testing.sales_fact_events import order, order_placed
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import async_sessionmaker

Calls = list[tuple[str, list[str]]]


def recorder(
    name: str, calls: Calls
) -> Callable[[UnitOfWork, Sequence[Delivery]], Awaitable[None]]:
    @batch_handler
    async def handler(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        calls.append((name, [d.envelope.type.split(".")[2] for d in deliveries]))

    return handler


@pytest.fixture
async def unit_of_work(
    make_database: Callable[[str], Awaitable[str]],
) -> AsyncIterator[Callable[[], UnitOfWork]]:
    engine = create_engine(await make_database("dispatch"))
    metadata = MetaData()
    tables = define_platform_tables(metadata)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield lambda: UnitOfWork(sessions, tables, source="crm/test")
    await engine.dispose()


async def test_a_reader_runs_after_its_writer_though_the_run_opens_with_its_own_event(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    calls: Calls = []
    profile, orders, scores = (recorder(n, calls) for n in ("profile", "orders", "scores"))
    dispatcher = Dispatcher(
        {CustomerErased: [profile, scores], OrderPlaced: [profile, orders, scores]}, "order"
    )
    run = deliveries_of(erased("c1", 2), order_placed(order("o1", "c2")))
    async with unit_of_work() as uow:
        await dispatcher.apply(uow, run)
    assert calls == [
        ("profile", ["erased", "order_placed"]),
        ("orders", ["order_placed"]),
        ("scores", ["erased", "order_placed"]),
    ]


def test_a_map_that_orders_two_handlers_both_ways_is_refused() -> None:
    calls: Calls = []
    first, second = recorder("first", calls), recorder("second", calls)
    with pytest.raises(ValueError, match="both ways"):
        Dispatcher({CustomerErased: [first, second], OrderPlaced: [second, first]}, "tangled")
