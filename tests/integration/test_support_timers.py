"""The support service's SLA timers against real databases, across restarts and instances:

- a target that falls due while the service is stopped breaches once after it starts (its
  own timer worker fires it; starting again fires nothing more);
- two support instances on one PostgreSQL database fire each breach once.

Time is a FakeClock shared by the instances; nothing sleeps (the tests wait for conditions).
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_shared.db import is_sqlite
from crm_shared.testing import app_client, deliver, deliveries_of, outbox_events
from crm_shared.testing.customer_events import created, uid
from crm_support.app import create_app
from crm_support.handlers import handlers
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from tests.helpers import wait_for

pytestmark = pytest.mark.integration

BREACHED = "crm.support.sla.breached.v1"


@contextlib.asynccontextmanager
async def support(
    database_url: str, data_dir: Path, clock: FakeClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """One support instance (a process, as far as the database can tell), with its timer
    worker running."""
    settings = SupportSettings(database_url=database_url, data_dir=data_dir)
    app = create_app(settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app), app_client(app, "http://support") as client:
        yield app, client


async def open_complaint(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/tickets",
        json={
            "customer_id": customer_id,
            "kind": "complaint",
            "category": "delivery",
            "channel": "phone",
            "description": "The parcel never came.",
            "received_by": "agent-1",
        },
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def breaches(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (event.payload.ticket_id, event.payload.target)
        for event in await outbox_events(app, BREACHED)
    ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_a_target_due_while_stopped_breaches_once_after_the_start(
    make_database: Callable[[str], Awaitable[str]], tmp_path: Path, clock: FakeClock
) -> None:
    url = await make_database("support")
    async with support(url, tmp_path, clock) as (app, client):
        await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(created(uid("c1"))))
        ticket = await open_complaint(client, uid("c1"))
    # Stopped: the first contact (2 hours) falls due meanwhile.
    clock.advance(hours=3)

    async with support(url, tmp_path, clock) as (app, client):

        async def breached() -> list[tuple[str, str]]:
            return await breaches(app)

        found = await wait_for(breached, message="the breach fired after the start")
        assert found == [(ticket["id"], "first_contact")]
        assert await app.state.runtime.timers.fire_due() == 0
        shown = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
        assert shown["major"] is True
        states = {target["target"]: target["state"] for target in shown["targets"]}
        assert states["first_contact"] == "breached"

    async with support(url, tmp_path, clock) as (app, _):
        assert await app.state.runtime.timers.fire_due() == 0
        assert await breaches(app) == [(ticket["id"], "first_contact")]


async def test_two_instances_on_postgresql_fire_each_breach_once(
    make_database: Callable[[str], Awaitable[str]], tmp_path: Path, clock: FakeClock
) -> None:
    url = await make_database("support")
    if is_sqlite(url):
        pytest.skip("two instances share a timer table on PostgreSQL (SKIP LOCKED)")
    count = 60
    async with (
        support(url, tmp_path / "a", clock) as (first, client),
        support(url, tmp_path / "b", clock) as (second, _),
    ):
        customers = [uid(f"c{n}") for n in range(count)]
        await deliver(
            first.state.runtime.unit_of_work,
            handlers,
            deliveries_of(*(created(customer) for customer in customers)),
        )
        tickets = [await open_complaint(client, customer) for customer in customers]
        clock.advance(hours=3)

        async def both_passes() -> int:
            fired = await asyncio.gather(
                first.state.runtime.timers.fire_due(), second.state.runtime.timers.fire_due()
            )
            return sum(fired)

        # Both instances' own workers run too; these passes race them and each other.
        while await both_passes():
            pass

        async def all_breached() -> bool:
            return len(await breaches(first)) >= count

        await wait_for(all_breached, message="every first contact breached")
        found = await breaches(first)
        assert sorted(found) == sorted((ticket["id"], "first_contact") for ticket in tickets)
