"""The AsyncAPI catalog lists every registered event with the schema consumers validate."""

from datetime import UTC, datetime

import jsonschema
import pytest
from crm_shared.contracts.customer import CustomerErased
from crm_shared.events import CloudEvent, all_event_types
from crm_shared.events.catalog import asyncapi_document


def test_every_registered_event_is_in_its_topic_channel() -> None:
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    listed = {message["name"] for message in document["components"]["messages"].values()}
    assert listed == set(all_event_types())
    customer_channel = document["channels"]["crm.customer"]
    assert "CustomerCreatedV1" in customer_channel["messages"]


def test_catalog_schemas_accept_a_real_event_and_refuse_a_broken_one() -> None:
    document = asyncapi_document()
    schemas = document["components"]["schemas"]
    data_schema = {**schemas["CustomerErasedV1"], "components": {"schemas": schemas}}
    event = CustomerErased(customer_id="c-1", customer_version=2, erased_at=datetime.now(UTC))
    envelope = CloudEvent(
        source="crm/customer",
        type=event.event_type,
        subject="c-1",
        data=event.model_dump(mode="json"),
    )
    jsonschema.validate(envelope.data, data_schema)
    with pytest.raises(jsonschema.ValidationError, match="customer_version"):
        jsonschema.validate({"customer_id": "c-1"}, data_schema)
