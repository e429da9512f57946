"""Read what a service's units of work wrote to its outbox (its app runs with
``run_bus=False`` in API tests, so every event it published waits there)."""

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from crm_shared.events import CloudEvent, IntegrationEvent, parse_payload


@dataclass(frozen=True)
class OutboxEvent:
    type: str
    key: str
    topic: str
    envelope: CloudEvent
    payload: Any  # the IntegrationEvent registered for ``type``


async def outbox_events(app: FastAPI, event_type: str | None = None) -> list[OutboxEvent]:
    """Every outbox row (of ``event_type``, a full type name or its middle part such as
    ``lead_created``), in write order, validated against its contract."""
    runtime = app.state.runtime
    outbox = runtime.tables.outbox
    async with runtime.session_factory() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    found = []
    for row in rows:
        envelope = CloudEvent.from_json(row.payload)
        assert envelope.type == row.event_type
        assert envelope.subject == row.key
        payload: IntegrationEvent = parse_payload(envelope)
        if event_type is None or event_type in (row.event_type, _middle(row.event_type)):
            found.append(OutboxEvent(row.event_type, row.key, row.topic, envelope, payload))
    return found


def _middle(event_type: str) -> str:
    """``crm.sales.lead_created.v1`` → ``lead_created``; ``crm.support.sla.breached.v1`` →
    ``sla.breached``."""
    return ".".join(event_type.split(".")[2:-1])
