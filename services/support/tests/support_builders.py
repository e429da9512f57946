"""Builders of the support service's tests: customers in the view, team members and
managers, tickets opened and moved through the API, timers fired."""

from datetime import timedelta
from typing import Any

import httpx
from crm_shared.clock import FakeClock
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.events import IntegrationEvent
from crm_shared.testing import deliver, deliveries_of
from crm_shared.testing.customer_events import created, uid
from crm_support.db import team_managers, team_members
from crm_support.handlers import handlers
from fastapi import FastAPI
from sqlalchemy import insert

CUSTOMER = uid("c1")


async def deliver_events(app: FastAPI, *events: IntegrationEvent) -> None:
    """Events of other services, through the support service's handlers (one run each)."""
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events))


async def seed_customer(app: FastAPI, customer_id: str = CUSTOMER, **fields: Any) -> str:
    """A customer in the support view, as the master's CustomerCreated puts it there."""
    values = {"lifecycle_stage": LifecycleStage.CUSTOMER, **fields}
    await deliver_events(app, created(customer_id, **values))
    return customer_id


async def seed_team(app: FastAPI, team_id: str, manager: str, *members: str) -> None:
    async with app.state.runtime.unit_of_work() as uow:
        await uow.session.execute(
            insert(team_managers).values(team_id=team_id, manager_id=manager, team_version=1)
        )
        for member in members:
            await uow.session.execute(
                insert(team_members).values(user_id=member, team_id=team_id, user_version=1)
            )
        await uow.commit()


def ticket_body(customer_id: str = CUSTOMER, **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "kind": "complaint",
        "category": "product_quality",
        "channel": "phone",
        "description": "the kettle leaks",
        "received_by": "agent-1",
        **fields,
    }


async def open_ticket(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/tickets", json=ticket_body(**fields))
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def move(client: httpx.AsyncClient, ticket_id: str, to: str, **body: Any) -> httpx.Response:
    return await client.post(f"/v1/tickets/{ticket_id}/transitions", json={"to": to, **body})


async def moved(client: httpx.AsyncClient, ticket_id: str, *path: str) -> dict[str, Any]:
    """The ticket after each move of ``path`` (each must be allowed)."""
    ticket: dict[str, Any] = {}
    for status in path:
        response = await move(client, ticket_id, status)
        assert response.status_code == 200, response.text
        ticket = response.json()
    return ticket


async def read(client: httpx.AsyncClient, ticket_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def target_of(ticket: dict[str, Any], name: str) -> dict[str, Any]:
    found = [target for target in ticket["targets"] if target["target"] == name]
    assert found, f"no target {name} in {ticket['targets']}"
    return found[0]


async def pass_time(app: FastAPI, clock: FakeClock, span: timedelta) -> int:
    """Move the clock and fire the timers then due; how many fired."""
    clock.advance(span)
    fired: int = await app.state.runtime.timers.fire_due()
    return fired
