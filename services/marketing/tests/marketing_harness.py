"""The marketing tests' harness: customers and segment members delivered through the
service's own handlers, campaigns made and launched over HTTP, and a Sender over a channel
that records what it is handed (the real channels have their own tests against a real SMTP
server and a real HTTP sink)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from crm_marketing.channels.base import Outcome, OutgoingMessage, SendResult
from crm_marketing.sends.sender import Sender
from crm_shared.bus.handlers import HandlerMap
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.events import IntegrationEvent
from crm_shared.testing import created, deliver, deliveries_of, uid
from crm_shared.testing.analytics_events import joined
from fastapi import FastAPI

# A Tuesday noon in UTC: outside the default quiet hours (21:00-08:00).
NOON = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
SEGMENT = uid("segment-1")


class RecordingChannel:
    """Takes every message (or answers what ``answers`` says for an address) and keeps them."""

    def __init__(self, answers: dict[str, Outcome] | None = None) -> None:
        self.sent: list[OutgoingMessage] = []
        self.answers = answers or {}

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            outcome = self.answers.get(message.address, Outcome.DELIVERED)
            if outcome != Outcome.NOT_SENT:
                self.sent.append(message)
            detail = "550 5.1.1 no such user" if outcome == Outcome.BOUNCED else "250 ok"
            results.append(
                SendResult(message.message_id, outcome, detail, outcome == Outcome.BOUNCED)
            )
        return results

    async def aclose(self) -> None:
        return None


def handlers_of(app: FastAPI) -> HandlerMap:
    handlers: HandlerMap = app.state.runtime.definition.handlers
    return handlers


async def deliver_events(app: FastAPI, *events: IntegrationEvent) -> None:
    await deliver(app.state.runtime.unit_of_work, handlers_of(app), deliveries_of(*events))


async def members(app: FastAPI, *names: str, segment: str = SEGMENT, **fields: Any) -> list[str]:
    """Customers named ``names`` (e-mail and SMS consent as ``fields`` say; by default e-mail
    yes, SMS no), each a member of ``segment``; returns their ids."""
    ids = [uid(name) for name in names]
    events: list[IntegrationEvent] = []
    for name, customer_id in zip(names, ids, strict=True):
        values = {"email": f"{name}@example.org", "name": f"{name.title()} Tester", **fields}
        events += [created(customer_id, **values), joined(segment, customer_id)]
    await deliver_events(app, *events)
    return ids


def campaign_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Spring news",
        "channel": "email",
        "segment_id": SEGMENT,
        "message": {
            "subject": "Hello {{ first_name | default('there') }}",
            "body": "Dear {{ first_name }}, see https://shop.example.org/spring",
        },
        **fields,
    }


async def create_campaign(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/campaigns", json=campaign_body(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(client: httpx.AsyncClient, campaign_id: str, action: str) -> httpx.Response:
    current = await client.get(f"/v1/campaigns/{campaign_id}")
    return await client.post(
        f"/v1/campaigns/{campaign_id}/{action}", headers={"If-Match": current.headers["ETag"]}
    )


async def launched(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    campaign = await create_campaign(client, **fields)
    response = await act(client, campaign["id"], "launch")
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def sender(app: FastAPI, channel: RecordingChannel, kind: str = "email") -> Sender:
    runtime = app.state.runtime
    return Sender(runtime.unit_of_work, runtime.settings, {MarketingChannel(kind): channel})


async def send_all(the_sender: Sender) -> None:
    """Until nothing is left to settle now."""
    while await the_sender.send_due():
        pass


async def results(client: httpx.AsyncClient, campaign_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/campaigns/{campaign_id}/results")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
