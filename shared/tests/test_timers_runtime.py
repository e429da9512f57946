"""The service runtime runs the workers its definition declares: timers declared in the
definition fire once, after a restart too; every worker shows in /readyz and /metrics; a
service with a consumer is ready only once the group has given it its partitions."""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from crm_sales.app import MIGRATIONS
from crm_sales.app import create_app as create_sales_app
from crm_sales.db import platform_tables
from crm_sales.settings import SalesSettings
from crm_shared.clock import FakeClock
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork
from crm_shared.service import ServiceDefinition, ServiceRuntime, create_service_app
from crm_shared.timers import Timer, TimerSettings, schedule
from crm_shared.workers import consumer_readiness
from sqlalchemy import func, select

KIND = "test.reminder"


async def remind(uow: UnitOfWork, timer: Timer) -> None:
    uow.record(CustomerErased(customer_id=timer.key, customer_version=1, erased_at=timer.due_at))


def definition(database_url: str, clock: FakeClock, **overrides: Any) -> ServiceDefinition:
    """A service on the sales service's database schema, with a timer handler."""
    values: dict[str, Any] = {
        "settings": SalesSettings(database_url=database_url),
        "tables": platform_tables,
        "migrations": MIGRATIONS,
        "routers": [],
        "title": "timer test",
        "run_bus": False,
        "clock": clock,
        "timers": {KIND: remind},
        "timer_settings": TimerSettings(poll_seconds=0.05),
    }
    values.update(overrides)
    return ServiceDefinition(**values)


async def events_written(runtime: ServiceRuntime) -> int:
    outbox = platform_tables.outbox
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def settled(runtime: ServiceRuntime, expected: int) -> int:
    """The outbox count once the background worker had its chance (a bounded wait for the
    task; time itself moves only on the FakeClock)."""
    for _ in range(200):
        if await events_written(runtime) >= expected:
            break
        await asyncio.sleep(0.02)
    return await events_written(runtime)


async def test_a_timer_due_while_the_service_was_stopped_fires_once_after_start(
    bus_database_url: str,
) -> None:
    clock = FakeClock()
    first = ServiceRuntime(definition(bus_database_url, clock))
    await first.start()
    async with first.unit_of_work() as uow:
        await schedule(uow, kind=KIND, key="cust-1", due_at=clock.now() + timedelta(hours=1))
        await uow.commit()
    await first.stop()

    clock.advance(hours=3)  # due while nothing ran
    second = ServiceRuntime(definition(bus_database_url, clock))
    await second.start()
    try:
        assert await settled(second, 1) == 1
        assert second.timers is not None
        assert await second.timers.fire_due() == 0
        clock.advance(days=1)
        assert await second.timers.fire_due() == 0
        assert await events_written(second) == 1
    finally:
        await second.stop()


async def test_a_service_without_timers_runs_no_timer_worker(tmp_path: Path) -> None:
    runtime = ServiceRuntime(
        definition(f"sqlite+aiosqlite:///{tmp_path}/s.db", FakeClock(), timers={})
    )
    await runtime.start()
    try:
        assert runtime.timers is None
        assert runtime.worker_status() == {"housekeeping": "ok"}
    finally:
        await runtime.stop()


def metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return None


async def test_readyz_and_metrics_show_every_worker(tmp_path: Path) -> None:
    clock = FakeClock()
    app = create_service_app(definition(f"sqlite+aiosqlite:///{tmp_path}/s.db", clock))
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["workers"] == {"housekeeping": "ok", "timers": "ok"}
            assert ready.json()["checks"]["workers"] == "ok"

            async with runtime.unit_of_work() as uow:
                await schedule(uow, kind=KIND, key="cust-1", due_at=clock.now())
                await uow.commit()
            assert await settled(runtime, 1) == 1

            text = (await client.get("/metrics")).text
            assert metric(text, "crm_worker_up", service="sales", worker="timers") == 1.0
            assert metric(text, "crm_worker_ready", service="sales", worker="housekeeping") == 1.0
            fired = metric(text, "crm_timers_fired_total", service="sales", kind=KIND)
            assert fired is not None
            assert fired >= 1

            timers_task = next(t for t in runtime._tasks if t.get_name() == "sales-timers")
            timers_task.cancel()  # as if it had crashed
            await asyncio.gather(timers_task, return_exceptions=True)

            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["workers"]["timers"] == "stopped"
            assert not_ready.json()["checks"]["workers"] == "stopped: sales-timers"
            text = (await client.get("/metrics")).text
            assert metric(text, "crm_worker_up", service="sales", worker="timers") == 0.0


def test_consumer_readiness_follows_the_group_membership() -> None:
    joined, running = asyncio.Event(), asyncio.Event()
    consumer: Any = SimpleNamespace(joined=joined, running=running)
    running.set()
    assert consumer_readiness(consumer) == "waiting for partitions"
    joined.set()
    assert consumer_readiness(consumer) == "ok"
    joined.clear()  # partitions revoked, or disconnected
    assert consumer_readiness(consumer) == "waiting for partitions"

    older: Any = SimpleNamespace(running=running)  # a consumer without the flag
    assert consumer_readiness(older) == "ok"
    running.clear()
    assert consumer_readiness(older) == "connecting"


@pytest.fixture
async def sales_on_the_broker(
    tmp_path: Path, kafka_bootstrap: str
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    settings = SalesSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/sales.db",
        kafka_bootstrap=kafka_bootstrap,
        kafka_idempotence=False,
        consumer_group_prefix=f"readyz-{uuid.uuid4().hex[:8]}",
        kafka_session_timeout_ms=6_000,
    )
    app = create_sales_app(settings, run_bus=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sales") as client:
            yield client, app.state.runtime


async def test_readyz_waits_for_the_consumer_to_hold_its_partitions(
    sales_on_the_broker: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = sales_on_the_broker
    first = await client.get("/readyz")
    assert first.status_code == 503, first.text  # the group has not assigned partitions yet
    assert first.json()["workers"]["consumer"] == "waiting for partitions"

    for _ in range(300):  # the join takes a few seconds on the bundled broker
        ready = await client.get("/readyz")
        if ready.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert ready.status_code == 200, ready.text
    assert ready.json()["workers"] == {
        "housekeeping": "ok",
        "timers": "ok",  # sales' reminders, quote expiries and the nightly lead-model refit
        "outbox-relay": "ok",
        "consumer": "ok",
    }
    assert runtime.consumer is not None
    assert runtime.consumer.joined.is_set()
