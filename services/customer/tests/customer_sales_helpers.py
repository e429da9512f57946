"""Helpers of the customer master's tests of sales facts: deliver ``crm.sales`` events (built
with ``crm_shared.testing.sales_fact_events``) to the app's own handlers, as its consumer
would, and read back what it published."""

from collections.abc import Sequence
from datetime import UTC, datetime

from crm_customer.handlers import handlers_for
from crm_customer.settings import CustomerSettings
from crm_shared.bus.handlers import Delivery
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.testing import deliver, deliveries_of, envelope_of
from fastapi import FastAPI

from services.customer.tests.customer_api_helpers import outbox_events

# The clock of these tests: "today" for the credit rules.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def sent(*events: IntegrationEvent) -> list[CloudEvent]:
    """Each event in the envelope the sales service sends."""
    return [envelope_of(event, "crm/sales") for event in events]


async def deliver_sales(
    app: FastAPI, *items: IntegrationEvent | CloudEvent, one_run: bool = False
) -> list[Delivery]:
    """Through the inbox and the handlers, one committed run per event (or all in one)."""
    settings = app.state.runtime.settings
    assert isinstance(settings, CustomerSettings)
    envelopes = [i if isinstance(i, CloudEvent) else envelope_of(i, "crm/sales") for i in items]
    return await deliver(
        app.state.runtime.unit_of_work,
        handlers_for(settings),
        deliveries_of(*envelopes),
        one_run=one_run,
    )


async def published(app: FastAPI, event_type: str) -> list[tuple[CloudEvent, IntegrationEvent]]:
    """The envelopes and payloads of ``crm.customer.<event_type>.v1`` in the outbox."""
    wanted = f"crm.customer.{event_type}.v1"
    return [
        (envelope, payload) for t, _, envelope, payload in await outbox_events(app) if t == wanted
    ]


def types_of(events: Sequence[tuple[str, str, CloudEvent, IntegrationEvent]]) -> list[str]:
    return [event_type.split(".")[2] for event_type, *_ in events]
