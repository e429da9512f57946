"""The contract of ``crm.customer`` as any Kafka client sees it.

The real customer service (outbox relay on the real broker) publishes; a plain Kafka client
that is not the one the platform uses (confluent-kafka, i.e. librdkafka) reads the topic
and checks each message: CloudEvents 1.0 in structured JSON mode, keyed by customer id, the
``data`` of the registered contract. A consumer written in any language sees these bytes.
"""

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from crm_shared.bus.topics import CUSTOMER
from crm_shared.contracts.customer import CustomerCreated, CustomerUpdated
from crm_shared.events import IntegrationEvent
from crm_shared.testing import app_client
from fastapi import FastAPI

from tests.helpers import wait_for
from tests.integration.platform import (
    fast_bus_settings,
    new_group_prefix,
    service_app,
    service_settings,
    unique_person,
)

pytestmark = pytest.mark.integration

ENVELOPE_KEYS = {
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "data",
}
OPTIONAL_KEYS = {"correlationid", "causationid", "traceparent"}
TYPE_PATTERN = re.compile(r"^crm\.customer\.[a-z_]+\.v\d+$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
CONTRACTS: dict[str, type[IntegrationEvent]] = {
    CustomerCreated.event_type: CustomerCreated,
    CustomerUpdated.event_type: CustomerUpdated,
}

Message = tuple[bytes, bytes, dict[str, bytes]]  # key, value, headers


@pytest.fixture
async def customer_client(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = service_settings(
        "customer",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'customer.db'}",
        **fast_bus_settings(kafka_bootstrap, new_group_prefix()),
    )
    app: FastAPI = service_app("customer", settings)
    async with app.router.lifespan_context(app), app_client(app, "http://customer") as client:
        yield client


def read_with_librdkafka(bootstrap: str, key: str) -> list[Message]:
    """Every message on crm.customer with ``key``, read from the beginning by librdkafka
    (blocking: run it in a thread).

    The end of each partition is where a fetch reports end-of-partition, not the ListOffsets
    high watermark: after a multi-record batch Tansu answers one past the batch's first
    record, so a reader that stops there (librdkafka hands out records one by one) misses
    the rest of the batch.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"contract-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
        }
    )
    try:
        metadata = consumer.list_topics(CUSTOMER, timeout=10)
        partitions = set(metadata.topics[CUSTOMER].partitions)
        consumer.assign([TopicPartition(CUSTOMER, p, OFFSET_BEGINNING) for p in partitions])
        found: list[Message] = []
        at_end: set[int] = set()
        deadline = time.monotonic() + 10
        while at_end != partitions:
            assert time.monotonic() < deadline, f"librdkafka read no end of {partitions - at_end}"
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            partition = message.partition()
            assert partition is not None
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                at_end.add(partition)
                continue
            if error is not None:
                raise KafkaException(error)
            at_end.discard(partition)
            if message.key() == key.encode():
                raw = message.headers() or []
                pairs = raw.items() if isinstance(raw, dict) else raw
                headers = {name: _bytes(value) for name, value in pairs}
                found.append((key.encode(), _bytes(message.value()), headers))
        return found
    finally:
        consumer.close()


def _bytes(value: str | bytes | None) -> bytes:
    return value.encode() if isinstance(value, str) else value or b""


def check_envelope(message: Message, customer_id: str) -> dict[str, Any]:
    key, value, headers = message
    event = json.loads(value)  # structured mode: the whole event is one JSON object
    assert isinstance(event, dict)
    assert ENVELOPE_KEYS <= set(event) <= ENVELOPE_KEYS | OPTIONAL_KEYS, sorted(event)
    assert event["specversion"] == "1.0"
    assert str(uuid.UUID(event["id"])) == event["id"]
    assert event["source"] == "crm/customer"
    assert TYPE_PATTERN.match(event["type"]), event["type"]
    assert RFC3339.match(event["time"]), event["time"]
    assert datetime.fromisoformat(event["time"]).tzinfo is not None
    assert event["subject"] == customer_id == key.decode()
    assert event["datacontenttype"] == "application/json"
    assert isinstance(event["data"], dict)
    assert event["data"]["customer_id"] == customer_id
    for extension in OPTIONAL_KEYS & set(event):
        assert isinstance(event[extension], str)
        assert event[extension]
    assert headers.get("ce_type") == event["type"].encode()
    return event


async def test_customer_events_are_cloudevents_any_kafka_client_can_read(
    customer_client: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    person = unique_person("Contract")
    response = await customer_client.post("/v1/customers", json=person)
    assert response.status_code == 201, response.text
    customer_id = response.json()["id"]
    etag = response.headers["ETag"]
    response = await customer_client.patch(
        f"/v1/customers/{customer_id}",
        json={"name": f"{person['name']} Renamed"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text

    async def both_published() -> list[Message]:
        found = await asyncio.to_thread(read_with_librdkafka, kafka_bootstrap, customer_id)
        return found if len(found) >= 2 else []

    messages = await wait_for(both_published, timeout=20, interval=0.2)

    events = [check_envelope(message, customer_id) for message in messages]
    assert [e["type"] for e in events] == [CustomerCreated.event_type, CustomerUpdated.event_type]
    assert len({e["id"] for e in events}) == 2, "each event has its own id"
    for event in events:
        payload = CONTRACTS[event["type"]].model_validate(event["data"])
        snapshot = event["data"]["customer"]
        assert snapshot["id"] == customer_id
        assert payload.customer_version == snapshot["version"]
    created, updated = events
    assert created["data"]["customer"]["name"] == person["name"]
    assert created["data"]["customer"]["email"] == person["email"]
    assert updated["data"]["customer"]["name"] == f"{person['name']} Renamed"
    assert updated["data"]["changed_fields"] == ["name"]
    assert updated["data"]["customer_version"] > created["data"]["customer_version"]
