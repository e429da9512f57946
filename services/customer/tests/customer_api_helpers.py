"""Helpers the customer API tests share."""

from typing import Any

import httpx
from crm_customer.models import platform_tables
from crm_shared.events import CloudEvent, IntegrationEvent, parse_payload
from fastapi import FastAPI
from sqlalchemy import select


async def create_customer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"kind": "individual", "name": "Ann Lee", **fields}
    response = await client.post("/v1/customers", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def outbox_events(app: FastAPI) -> list[tuple[str, str, CloudEvent, IntegrationEvent]]:
    """Every outbox row as (event type, key, envelope, validated payload), in write order."""
    outbox = platform_tables.outbox
    async with app.state.runtime.session_factory() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    events = []
    for row in rows:
        envelope = CloudEvent.from_json(row.payload)
        assert envelope.type == row.event_type
        assert envelope.subject == row.key
        assert row.topic == "crm.customer"
        events.append((row.event_type, row.key, envelope, parse_payload(envelope)))
    return events


async def events_of(app: FastAPI, event_type: str) -> list[IntegrationEvent]:
    suffix = f"crm.customer.{event_type}.v1"
    return [payload for type_, _, _, payload in await outbox_events(app) if type_ == suffix]


async def if_match(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The ``If-Match`` header naming the version a GET of ``url`` answers with now: every
    write to an existing record must name the version it was made against."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["etag"]}
