"""The shared customer views keep no contacts: a ``crm.customer.contact_*.v1`` event on the
customer topic goes past them through the real consumer path, neither failing nor
dead-lettered, and leaves the view as it was."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.structs import ConsumerRecord
from crm_shared.bus.consumer import EventConsumer
from crm_shared.bus.topics import CUSTOMER
from crm_shared.contracts.customer import (
    CONTACT_EVENTS,
    CUSTOMER_EVENTS,
    ContactSnapshot,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
)
from crm_shared.db import create_engine
from crm_shared.events import IntegrationEvent
from crm_shared.settings import ServiceSettings
from crm_shared.testing import T0, at, created
from crm_shared.testing.delivery import envelope_of
from crm_shared.views import OPTIONAL_FIELDS

from shared.tests.test_customer_view import ViewDatabase


def _record(offset: int, event: IntegrationEvent) -> ConsumerRecord[bytes, bytes]:
    value = envelope_of(event).to_json()
    return ConsumerRecord(
        topic=CUSTOMER, partition=0, offset=offset, timestamp=0, timestamp_type=0,
        key=event.key.encode(), value=value, checksum=None, serialized_key_size=0,
        serialized_value_size=len(value), headers=[],
    )  # fmt: skip


def _contact_events(customer_id: str) -> list[IntegrationEvent]:
    contact = ContactSnapshot(
        id="k-1", customer_id=customer_id, name="Eve Stone", email="eve@acme.example",
        is_primary=True, version=1, created_at=T0, updated_at=T0,
    )  # fmt: skip
    common: dict[str, Any] = {"customer_id": customer_id, "customer_version": 7}
    return [
        CustomerContactAdded(**common, contact_id="k-1", contact_version=1, contact=contact),
        CustomerContactChanged(
            **common,
            contact_id="k-1",
            contact_version=2,
            changed_fields=["name"],
            contact=contact.model_copy(update={"name": "Eve", "version": 2}),
        ),
        CustomerContactRemoved(**common, contact_id="k-1", contact_version=2, removed_at=at(1)),
    ]


def test_contact_events_are_not_customer_record_events() -> None:
    assert not set(CONTACT_EVENTS) & set(CUSTOMER_EVENTS)


async def test_a_view_consumer_skips_contact_events_without_dead_lettering_them(
    make_database: Callable[[str], Awaitable[str]],
) -> None:
    engine = create_engine(await make_database("view"))
    try:
        db = ViewDatabase(engine, OPTIONAL_FIELDS)
        async with engine.begin() as connection:
            await connection.run_sync(db.metadata.create_all)
        consumer = EventConsumer(
            ServiceSettings(), (CUSTOMER,), db.handlers, db.unit_of_work, group_id="view-test"
        )
        dead_letters: list[tuple[str, str]] = []

        async def dead_letter(record: Any, reason: str, error: str) -> None:
            dead_letters.append((reason, error))

        consumer._dead_letter = dead_letter
        events = [created("c1", 7, name="Acme"), *_contact_events("c1")]
        await consumer.process_batch([_record(n, e) for n, e in enumerate(events)])

        assert dead_letters == []
        row = await db.must_row("c1")
        assert (row["name"], row["customer_version"]) == ("Acme", 7)
        assert not consumer.dispatcher.handles(CustomerContactAdded.event_type)
    finally:
        await engine.dispose()
