"""The AsyncAPI catalog lists every registered event with the schema consumers validate."""

from datetime import UTC, datetime

import jsonschema
import pytest
from crm_shared.contracts.customer import (
    ContactSnapshot,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
    CustomerErased,
)
from crm_shared.events import CloudEvent, all_event_types
from crm_shared.events.catalog import asyncapi_document
from crm_shared.testing.analytics_events import evaluated
from crm_shared.testing.marketing_events import audience_requested


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


def test_contact_events_are_on_the_customer_channel_with_their_schemas() -> None:
    document = asyncapi_document()
    schemas = document["components"]["schemas"]
    channel = document["channels"]["crm.customer"]["messages"]
    names = ("CustomerContactAddedV1", "CustomerContactChangedV1", "CustomerContactRemovedV1")
    assert set(names) <= set(channel)
    now = datetime.now(UTC)
    contact = ContactSnapshot(
        id="k-1", customer_id="c-1", name="Eve", buying_roles=["coach"], is_primary=True,
        version=2, created_at=now, updated_at=now,
    )  # fmt: skip
    events = (
        CustomerContactAdded(
            customer_id="c-1", customer_version=3, contact_id="k-1", contact_version=1,
            contact=contact,
        ),
        CustomerContactChanged(
            customer_id="c-1", customer_version=3, contact_id="k-1", contact_version=2,
            changed_fields=["buying_roles"], contact=contact,
        ),
        CustomerContactRemoved(
            customer_id="c-1", customer_version=3, contact_id="k-1", contact_version=2,
            removed_at=now,
        ),
    )  # fmt: skip
    for name, event in zip(names, events, strict=True):
        data_schema = {**schemas[name], "components": {"schemas": schemas}}
        jsonschema.validate(event.model_dump(mode="json"), data_schema)
        broken = event.model_dump(mode="json")
        del broken["contact_version"]
        with pytest.raises(jsonschema.ValidationError, match="contact_version"):
            jsonschema.validate(broken, data_schema)
    snapshot = schemas["CustomerSnapshot"]["properties"]
    assert "consent_details" not in schemas["CustomerSnapshot"].get("required", [])
    assert snapshot["consent_details"]["type"] == "object"


def test_an_inline_audience_request_and_its_evaluation_are_catalogued() -> None:
    document = asyncapi_document()
    schemas = document["components"]["schemas"]
    assert "MarketingAudienceRequestedV1" in document["channels"]["crm.marketing"]["messages"]
    assert "AnalyticsSegmentEvaluatedV1" in document["channels"]["crm.analytics"]["messages"]
    request = audience_requested(
        "s-1", "c-1", {"all": [{"not": {"field": "tags", "op": "exists"}}]}
    ).model_dump(mode="json")
    assert request["filter"] == {"all": [{"not": {"field": "tags", "op": "exists", "value": True}}]}
    request_schema = {**schemas["MarketingAudienceRequestedV1"], "components": {"schemas": schemas}}
    jsonschema.validate(request, request_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**request, "filter": {"field": "shoe_size"}}, request_schema)
    evaluation = evaluated("s-1", "e-1", 3).model_dump(mode="json")
    evaluated_schema = schemas["AnalyticsSegmentEvaluatedV1"]
    jsonschema.validate(evaluation, {**evaluated_schema, "components": {"schemas": schemas}})
    joins = schemas["AnalyticsSegmentMembershipChangedV1"]
    assert "evaluation_id" not in joins.get("required", [])  # older joins stay valid
