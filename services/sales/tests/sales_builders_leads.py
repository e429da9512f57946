"""Builders the lead and activity tests share: requests, problem checks, the If-Match of a
record, and events delivered to the sales service's handlers as its consumer would."""

from typing import Any

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_shared.events import IntegrationEvent
from crm_shared.testing import deliver, deliveries_of
from fastapi import FastAPI


async def create_lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Ann Lee", **fields}
    response = await client.post("/v1/leads", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_activity(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"kind": "task", "subject": "Call back", **fields}
    response = await client.post("/v1/activities", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def if_match(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The ``If-Match`` header naming the version a GET of ``url`` answers with now."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["etag"]}


async def deliver_events(app: FastAPI, *events: IntegrationEvent) -> int:
    """Deliver through the inbox and every sales handler; how many were new."""
    new = await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events))
    return len(new)


@pytest.fixture
def quiet_timer_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own timer worker looks for due timers only once an hour (of real time):
    a test moves the FakeClock and fires the due timers itself (``timers.fire_due()``),
    with no background pass racing it for them (on PostgreSQL it would skip the timer
    the test's pass holds, and the other way round). Use it before the app is made."""
    monkeypatch.setenv("CRM_TIMER_POLL_SECONDS", "3600")
