"""The outbox relay and the idempotent consumer against the real broker and databases."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from crm_launcher.broker import BundledBroker, free_port
from crm_shared.bus.consumer import EventConsumer
from crm_shared.bus.outbox import OutboxRepository
from crm_shared.bus.topics import CUSTOMER, DEAD_LETTER, ensure_topics
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.testing import erased
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from shared.tests.bus_harness import (
    BusHarness,
    make_harness,
    new_customer_id,
    settled,
)
from tests.helpers import wait_for
from tests.topics import produce_raw, read_topic

pytestmark = pytest.mark.integration


def group() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


async def test_events_written_with_the_state_reach_a_consumer_once(bus: BusHarness) -> None:
    customer = new_customer_id()
    await bus.write_events(customer, count=5)
    bus.start_relay()
    bus.start_consumer(group())

    await wait_for(settled(lambda: bus.applied_count(customer), 5), timeout=30)
    await wait_for(settled(bus.unsent, 0), timeout=10)


async def test_a_rolled_back_unit_of_work_publishes_nothing(bus: BusHarness) -> None:
    async def unit_that_fails_after_publishing() -> None:
        async with bus.unit_of_work() as uow:
            uow.record(erased(new_customer_id(), 1))
            raise RuntimeError("the business rule failed after the event was recorded")

    with pytest.raises(RuntimeError):
        await unit_that_fails_after_publishing()
    assert await bus.unsent() == 0


async def test_relay_crash_between_commit_and_publish_loses_nothing(bus: BusHarness) -> None:
    customer = new_customer_id()
    # The process died right after the business commit: no relay ever ran for these rows.
    await bus.write_events(customer, count=3)
    assert await bus.unsent() == 3

    bus.start_relay()  # the restarted process
    bus.start_consumer(group())
    await wait_for(settled(lambda: bus.applied_count(customer), 3), timeout=30)


async def test_relay_crash_after_publish_before_marking_sends_again_without_double_effect(
    bus: BusHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = new_customer_id()
    await bus.write_events(customer, count=2)
    original_mark_sent = OutboxRepository.mark_sent

    marks_tried: list[int] = []

    async def crash_before_marking(self: OutboxRepository, ids: list[int], at: object) -> None:
        marks_tried.extend(ids)
        raise OperationalError("UPDATE outbox", {}, Exception("the process died here"))

    monkeypatch.setattr(OutboxRepository, "mark_sent", crash_before_marking)
    relay = bus.start_relay()
    await wait_for(lambda: len(set(marks_tried)) >= 2, timeout=30)  # both were published
    await bus.kill_relay(relay)
    monkeypatch.setattr(OutboxRepository, "mark_sent", original_mark_sent)
    bus.start_relay()  # the restarted process

    bus.start_consumer(group())
    await wait_for(settled(bus.unsent, 0), timeout=30)
    await wait_for(settled(lambda: bus.applied_count(customer), 2), timeout=30)
    messages = await read_topic(bus.settings.kafka_bootstrap, CUSTOMER, customer)
    assert len(messages) > 2, "the crash should have made the relay publish twice"
    assert await bus.applied_count(customer) == 2


async def test_publishing_does_not_wait_for_the_marks(
    bus: BusHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the marks wait for the one write connection off the publishing path: held
    up, they hold up no event (on PostgreSQL a claimed batch is marked in its transaction)."""
    if bus.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL marks a claimed batch in the transaction that claimed it")
    gate = asyncio.Event()
    original_mark_sent = OutboxRepository.mark_sent

    async def held_up(self: OutboxRepository, ids: list[int], at: object) -> None:
        await gate.wait()
        await original_mark_sent(self, ids, at)

    monkeypatch.setattr(OutboxRepository, "mark_sent", held_up)
    relay = bus.start_relay()
    bus.start_consumer(group())
    customer = new_customer_id()
    await bus.write_events(customer, count=2)
    await wait_for(settled(lambda: bus.applied_count(customer), 2), timeout=30)
    await bus.write_events(customer, count=1)
    await wait_for(settled(lambda: bus.applied_count(customer), 3), timeout=30)
    assert await bus.unsent() > 0  # published, not marked yet
    gate.set()
    await wait_for(settled(bus.unsent, 0), timeout=30)
    assert relay._read_after == 0  # all marked: the next read starts from the first row
    assert len(await read_topic(bus.settings.kafka_bootstrap, CUSTOMER, customer)) == 3


async def test_relay_survives_a_database_failure_while_idle(
    bus: BusHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[int] = []
    original_count = OutboxRepository.pending_count

    async def database_away(self: OutboxRepository) -> int:
        failures.append(1)
        raise OperationalError("SELECT count(*)", {}, Exception("unable to open database file"))

    monkeypatch.setattr(OutboxRepository, "pending_count", database_away)
    relay = bus.start_relay()
    await wait_for(lambda: len(failures) >= 2, timeout=30)  # idle passes kept failing
    monkeypatch.setattr(OutboxRepository, "pending_count", original_count)

    customer = new_customer_id()
    await bus.write_events(customer, count=2)
    relay.notify()
    await wait_for(settled(bus.unsent, 0), timeout=30)


async def test_consumer_reconnects_after_an_unexpected_error(
    bus: BusHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[int] = []
    original_consume = EventConsumer._consume

    async def fails_once(self: EventConsumer) -> None:
        if not failures:
            failures.append(1)
            raise RuntimeError("the fetch loop broke in a way nobody planned for")
        await original_consume(self)

    monkeypatch.setattr(EventConsumer, "_consume", fails_once)
    customer = new_customer_id()
    await bus.write_events(customer, count=2)
    bus.start_relay()
    bus.start_consumer(group())
    await wait_for(settled(lambda: bus.applied_count(customer), 2), timeout=30)
    assert failures == [1]


async def test_the_same_event_delivered_twice_has_one_effect(bus: BusHarness) -> None:
    customer = new_customer_id()
    envelope = CloudEvent(
        source="crm/customer",
        type=CustomerErased.event_type,
        subject=customer,
        data=erased(customer, 1).model_dump(mode="json"),
    )
    twice = (envelope.to_json(), envelope.to_json())
    await produce_raw(bus.settings.kafka_bootstrap, CUSTOMER, customer, *twice)
    bus.start_consumer(group())
    await wait_for(settled(lambda: bus.applied_count(customer), 1), timeout=30)
    async with bus.session_factory() as session:
        inbox = bus.tables.inbox
        query = select(func.count()).select_from(inbox).where(inbox.c.event_id == str(envelope.id))
        assert await session.scalar(query) == 1


async def test_poison_events_go_to_the_dead_letter_topic_and_the_next_is_processed(
    bus: BusHarness,
) -> None:
    customer = new_customer_id()
    good = erased(customer, 1)

    def envelope(type_: str, data: dict[str, object]) -> bytes:
        return CloudEvent(source="crm/test", type=type_, subject=customer, data=data).to_json()

    async def fail_on_version_7(uow: UnitOfWork, event: CustomerErased, env: CloudEvent) -> None:
        if event.customer_version == 7:
            raise ValueError("this handler cannot apply version 7")
        await bus.record(uow, event, env)

    await produce_raw(
        bus.settings.kafka_bootstrap,
        CUSTOMER,
        customer,
        b"\x00 not json at all",
        envelope(CustomerErased.event_type, {"customer_id": customer, "customer_version": "x"}),
        envelope("crm.customer.erased.v9", good.model_dump(mode="json")),
        envelope(CustomerErased.event_type, erased(customer, 5).model_dump(mode="json")),
        envelope(CustomerErased.event_type, erased(customer, 7).model_dump(mode="json")),
        envelope(CustomerErased.event_type, good.model_dump(mode="json")),
    )
    consumer = bus.start_consumer(group(), handler=fail_on_version_7)
    # Version 5 (before the failing event, in the same transaction) and the event after it
    # are both applied: the failure rolled back only its own savepoint.
    await wait_for(settled(lambda: bus.applied_count(customer), 2), timeout=30)

    async def dead_letter_reasons() -> list[str]:
        letters = await read_topic(bus.settings.kafka_bootstrap, DEAD_LETTER, customer)
        # Only this consumer's letters: other groups on the broker read the same messages.
        return [
            headers["dlq-reason"]
            for _, headers in letters
            if headers["dlq-consumer-group"] == consumer.group_id
        ]

    expected_reasons = [
        "invalid_envelope",
        "invalid_payload",
        "unknown_event_type",
        "handler_error",
    ]
    await wait_for(settled(dead_letter_reasons, expected_reasons), timeout=30)
    letters = await read_topic(bus.settings.kafka_bootstrap, DEAD_LETTER, customer)
    value, headers = next(
        (v, h) for v, h in letters if h["dlq-consumer-group"] == consumer.group_id
    )
    assert value == b"\x00 not json at all", "the original bytes are kept for re-publishing"
    assert headers["dlq-source-topic"] == CUSTOMER
    assert headers["dlq-error"]


async def test_a_transient_failure_is_retried_not_dead_lettered(bus: BusHarness) -> None:
    customer = new_customer_id()
    failures = []

    async def flaky(uow: UnitOfWork, event: CustomerErased, env: CloudEvent) -> None:
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        await bus.record(uow, event, env)

    await bus.write_events(customer)
    bus.start_relay()
    bus.start_consumer(group(), handler=flaky)
    await wait_for(settled(lambda: bus.applied_count(customer), 1), timeout=30)
    assert len(failures) == 2
    assert await read_topic(bus.settings.kafka_bootstrap, DEAD_LETTER, customer) == []


async def test_two_relays_on_postgresql_never_send_the_same_row_twice(
    make_postgres_database: Callable[[], Awaitable[str]], kafka_bootstrap: str
) -> None:
    bus = await make_harness(await make_postgres_database(), kafka_bootstrap)
    try:
        await _two_relays_send_each_row_once(bus)
    finally:
        await bus.stop()
        await bus.engine.dispose()


async def _two_relays_send_each_row_once(bus: BusHarness) -> None:
    customer = new_customer_id()
    written = await bus.write_events(customer, count=200)
    first = bus.start_relay(relay_batch_size=10)
    second = bus.start_relay(relay_batch_size=10)
    await wait_for(settled(bus.unsent, 0), timeout=60)

    messages = await read_topic(bus.settings.kafka_bootstrap, CUSTOMER, customer)
    sent_ids = [CloudEvent.from_json(value).id for value, _ in messages]
    assert sorted(sent_ids) == sorted(e.id for e in written), "each row exactly once"
    assert first.claims_rows
    assert second.claims_rows


async def test_broker_restart_while_running_loses_nothing(
    bus_database_url: str, tmp_path: Path
) -> None:
    own_broker = BundledBroker(port=free_port(), log=tmp_path / "tansu.log")
    await own_broker.start_async()
    harness = await make_harness(bus_database_url, own_broker.bootstrap)
    customer = new_customer_id()
    try:
        harness.start_relay()
        harness.start_consumer(group())
        await harness.write_events(customer, count=3)
        await wait_for(settled(lambda: harness.applied_count(customer), 3), timeout=30)

        own_broker.stop()
        await harness.write_events(customer, count=3)  # during the outage: the outbox holds it
        await wait_for(settled(harness.unsent, 3), timeout=10)

        await own_broker.start_async()  # memory-only: it comes back with no topics at all
        await harness.write_events(customer, count=3)
        await wait_for(settled(lambda: harness.applied_count(customer), 9), timeout=90)
        assert await harness.unsent() == 0
    finally:
        await harness.stop()
        await harness.engine.dispose()
        own_broker.stop()


async def test_an_event_acknowledged_before_the_topics_came_back_is_published_again(
    bus_database_url: str, tmp_path: Path
) -> None:
    """The race `crm up` ran into: the broker restarts, and a relay that had published nothing
    yet (its producer holds the topics' metadata from its start) publishes before the launcher
    has created the topics again. The restarted broker acknowledges that write to a topic that
    does not exist; once the topic exists, the event counts in its partition's end offset but
    can never be read, and no earlier acknowledgement of the relay was lost to tell. The relay
    notices the restart by the marker the broker lost, and publishes again."""
    own_broker = BundledBroker(port=free_port(), log=tmp_path / "tansu.log")
    await own_broker.start_async()
    harness = await make_harness(bus_database_url, own_broker.bootstrap)
    customer = new_customer_id()
    try:
        relay = harness.start_relay()
        await wait_for(lambda: relay.producer is not None, timeout=30)

        await asyncio.to_thread(own_broker.restart)  # memory-only: no topics any more
        # (No consumer yet: its metadata requests would have the broker create the topic.)
        await harness.write_events(customer, count=1)
        await wait_for(settled(harness.unsent, 0), timeout=10)  # acknowledged, in the window
        await ensure_topics(own_broker.bootstrap, harness.settings.topic_partitions)

        harness.start_consumer(group())
        await wait_for(settled(lambda: harness.applied_count(customer), 1), timeout=60)
    finally:
        await harness.stop()
        await harness.engine.dispose()
        own_broker.stop()
