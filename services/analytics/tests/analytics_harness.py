"""The analytics tests' harness: deliver contract events (built with the builders of
``crm_shared.testing``) through the service's own handlers, as the consumer applies them
without the broker, and read the result back."""

from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from crm_analytics.handlers import profile_projection
from crm_analytics.timeline.models import TimelineEntry
from crm_shared.bus.handlers import Delivery, HandlerMap
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.testing import PERSONAL, deliveries_of, envelope_of
from crm_shared.testing import deliver as deliver_events
from fastapi import FastAPI
from sqlalchemy import func, select

TIMELINE_SIZE = 5  # the profile embeds this many timeline entries in the tests


def handlers_of(app: FastAPI) -> HandlerMap:
    """The service's own handler map (bound to its settings)."""
    handlers: HandlerMap = app.state.runtime.definition.handlers
    return handlers


async def deliver(
    app: FastAPI, event: IntegrationEvent, time: datetime, event_id: UUID | None = None
) -> CloudEvent:
    """Run the service's handler for ``event``, sent by the customer service at ``time``, in
    one unit of work and commit it; returns the envelope."""
    sent = envelope_of(event, "crm/customer", time=time, event_id=event_id)
    await deliver_events(app.state.runtime.unit_of_work, handlers_of(app), deliveries_of(sent))
    return sent


async def deliver_run(
    app: FastAPI, events: list[IntegrationEvent], time: datetime
) -> list[CloudEvent]:
    """Deliver ``events`` as one run (a consumer's batch), each sent by the service whose
    topic it is on at ``time``; returns the envelopes."""
    sent = [envelope_of(e, f"crm/{e.event_type.split('.')[1]}", time=time) for e in events]
    await deliver_events(
        app.state.runtime.unit_of_work, handlers_of(app), deliveries_of(*sent), one_run=True
    )
    return sent


async def profile_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/profiles/{customer_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def timeline_of(client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/profiles/{customer_id}/timeline", params={"limit": 200})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def timeline_row_count(app: FastAPI, customer_id: str | None = None) -> int:
    async with app.state.runtime.session_factory() as session:
        statement = select(func.count()).select_from(TimelineEntry)
        if customer_id is not None:
            statement = statement.where(TimelineEntry.customer_id == customer_id)
        return int(await session.scalar(statement) or 0)


def assert_no_personal_data(document: object) -> None:
    """None of the builders' personal values is left anywhere in ``document``."""
    text = str(document)
    for value in PERSONAL.values():
        for piece in value if isinstance(value, list) else [value]:
            assert str(piece) not in text, f"{piece!r} survived erasure"
    assert "income_band" not in text


async def record_other_event(
    app: FastAPI, event_type: str, time: datetime, data: dict[str, Any]
) -> None:
    """An event of another service (no contract registered yet) through the timeline-only
    handler that every such type gets."""
    other = CloudEvent(
        source=f"crm/{event_type.split('.')[1]}",
        type=event_type,
        subject=data["customer_id"],
        time=time,
        data=data,
    )
    payload = _OtherServiceEvent(customer_id=data["customer_id"])
    async with app.state.runtime.unit_of_work() as uow:
        await profile_projection(uow, [Delivery(other, payload)])
        await uow.commit()


class _OtherServiceEvent(IntegrationEvent):
    """Stands for the payload of a type whose contract is not registered yet."""

    customer_id: str
