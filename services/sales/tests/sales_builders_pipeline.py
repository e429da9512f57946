"""Builders the opportunity, pipeline and forecast tests share: customers the sales view
knows, teams, opportunities opened and moved through the API, problem checks."""

from datetime import UTC, datetime
from typing import Any

import httpx
from crm_sales.handlers import handlers
from crm_shared.testing import FakeClock, created, deliver, deliveries_of, uid, user_created
from fastapi import FastAPI

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CUSTOMER = uid("acme")


def fake_clock() -> FakeClock:
    return FakeClock(START)


async def know_customers(app: FastAPI, *customers: tuple[str, str | None]) -> None:
    """The customer master's ``created`` events for (customer id, owner), as sales
    consumes them."""
    events = [created(customer_id, owner=owner) for customer_id, owner in customers]
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events))


async def join_teams(app: FastAPI, members: dict[str, str | None]) -> None:
    """Identity's users (user id -> team), as sales consumes them."""
    events = [user_created(user, team_id=team) for user, team in members.items()]
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events))


async def open_opportunity(
    client: httpx.AsyncClient,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {"customer_id": CUSTOMER, "name": "Fleet renewal", "amount": "1000.00", **fields}
    response = await client.post("/v1/opportunities", json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    return opened


async def patch(
    client: httpx.AsyncClient,
    opportunity_id: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A PATCH against the version a GET answers now."""
    url = f"/v1/opportunities/{opportunity_id}"
    read = await client.get(url, headers=headers or {})
    assert read.status_code == 200, read.text
    return await client.patch(
        url, json=body, headers={**(headers or {}), "If-Match": read.headers["etag"]}
    )


async def move(client: httpx.AsyncClient, opportunity_id: str, **body: Any) -> dict[str, Any]:
    response = await patch(client, opportunity_id, body)
    assert response.status_code == 200, response.text
    moved: dict[str, Any] = response.json()
    return moved
