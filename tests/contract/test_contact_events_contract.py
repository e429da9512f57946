"""The contract of the contact events on ``crm.customer`` as any Kafka client sees them: the
real customer service publishes, librdkafka reads, and each message is a CloudEvent keyed by
the customer whose ``data`` is both the registered contract and valid against the AsyncAPI
catalog's schema."""

import asyncio
from typing import Any

import httpx
import jsonschema
import pytest
from crm_shared.contracts.customer import (
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
)
from crm_shared.events import IntegrationEvent
from crm_shared.events.catalog import asyncapi_document

from tests.contract.test_customer_events_contract import (
    Message,
    check_envelope,
    customer_client,
    read_with_librdkafka,
)
from tests.helpers import wait_for

pytestmark = pytest.mark.integration

__all__ = ["customer_client"]  # the fixture, shared with the customer events' contract

CONTRACTS: dict[str, tuple[type[IntegrationEvent], str]] = {
    CustomerContactAdded.event_type: (CustomerContactAdded, "CustomerContactAddedV1"),
    CustomerContactChanged.event_type: (CustomerContactChanged, "CustomerContactChangedV1"),
    CustomerContactRemoved.event_type: (CustomerContactRemoved, "CustomerContactRemovedV1"),
}


async def test_contact_events_are_cloudevents_of_their_catalogued_contract(
    customer_client: httpx.AsyncClient, kafka_bootstrap: str
) -> None:
    response = await customer_client.post(
        "/v1/customers", json={"kind": "business", "name": "Contract Contacts Ltd"}
    )
    assert response.status_code == 201, response.text
    customer_id = response.json()["id"]
    url = f"/v1/customers/{customer_id}/contacts"
    added = await customer_client.post(url, json={"name": "Eve Stone", "job_title": "CTO"})
    assert added.status_code == 201, added.text
    contact_url = f"{url}/{added.json()['id']}"
    changed = await customer_client.patch(
        contact_url, json={"job_title": "CEO"}, headers={"If-Match": added.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text
    removed = await customer_client.delete(
        contact_url, headers={"If-Match": changed.headers["etag"]}
    )
    assert removed.status_code == 204, removed.text

    async def all_published() -> list[Message]:
        found = await asyncio.to_thread(read_with_librdkafka, kafka_bootstrap, customer_id)
        return found if len(found) >= 4 else []

    messages = await wait_for(all_published, timeout=20, interval=0.2)
    events = [check_envelope(message, customer_id) for message in messages]
    assert [e["type"] for e in events] == [
        "crm.customer.created.v1",
        *CONTRACTS,
    ]
    schemas = asyncapi_document()["components"]["schemas"]
    contact_id = added.json()["id"]
    for event in events[1:]:
        model, schema_name = CONTRACTS[event["type"]]
        data: dict[str, Any] = event["data"]
        jsonschema.validate(data, {**schemas[schema_name], "components": {"schemas": schemas}})
        model.model_validate(data)
        assert data["contact_id"] == contact_id
        assert data["customer_version"] == events[0]["data"]["customer_version"]
    assert [e["data"]["contact_version"] for e in events[1:]] == [1, 2, 2]
    assert events[2]["data"]["changed_fields"] == ["job_title"]
    assert events[2]["data"]["contact"]["job_title"] == "CEO"
