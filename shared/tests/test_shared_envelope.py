"""The CloudEvents envelope and the event registry."""

from datetime import UTC, datetime

import pytest
from crm_shared.contracts.customer import CustomerErased
from crm_shared.events import (
    CloudEvent,
    InvalidEnvelopeError,
    UnknownEventTypeError,
    all_event_types,
    parse_payload,
    topic_of,
)
from pydantic import ValidationError


def erased_envelope(**overrides: object) -> CloudEvent:
    event = CustomerErased(customer_id="c-1", customer_version=3, erased_at=datetime.now(UTC))
    fields: dict[str, object] = {
        "source": "crm/customer",
        "type": event.event_type,
        "subject": event.subject,
        "data": event.model_dump(mode="json"),
    }
    fields.update(overrides)
    return CloudEvent.model_validate(fields)


def test_envelope_round_trips_as_structured_json() -> None:
    envelope = erased_envelope(correlationid="corr-1")
    restored = CloudEvent.from_json(envelope.to_json())
    assert restored == envelope
    assert restored.specversion == "1.0"
    assert restored.datacontenttype == "application/json"
    assert restored.time.tzinfo is not None


def test_envelope_json_has_the_cloudevents_attribute_names() -> None:
    import json

    raw = json.loads(erased_envelope().to_json())
    assert {"specversion", "id", "source", "type", "time", "subject", "data"} <= raw.keys()
    assert "traceparent" not in raw  # unset extensions are left out, not sent as null


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "empty message"),
        (b"not json", "invalid CloudEvent"),
        (b'{"specversion": "0.3"}', "specversion"),
        (b"{}", "source"),
    ],
)
def test_malformed_envelopes_are_refused_with_the_reason(raw: bytes | None, expected: str) -> None:
    with pytest.raises(InvalidEnvelopeError, match=expected):
        CloudEvent.from_json(raw)


def test_type_must_name_domain_aggregate_verb_and_version() -> None:
    with pytest.raises(ValidationError):
        erased_envelope(type="customer-erased")


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError):
        erased_envelope(time="2026-01-01T00:00:00")


def test_payload_is_validated_against_the_registered_model() -> None:
    payload = parse_payload(erased_envelope())
    assert isinstance(payload, CustomerErased)
    assert payload.customer_version == 3


def test_payload_with_a_wrong_field_type_is_refused() -> None:
    envelope = erased_envelope(data={"customer_id": "c-1", "customer_version": "three"})
    with pytest.raises(ValidationError):
        parse_payload(envelope)


def test_unknown_version_of_a_known_event_is_unknown() -> None:
    envelope = erased_envelope(type="crm.customer.erased.v9")
    with pytest.raises(UnknownEventTypeError, match=r"crm\.customer\.erased\.v9"):
        parse_payload(envelope)


def test_every_customer_event_is_registered_on_the_customer_topic() -> None:
    customer_types = [t for t in all_event_types() if t.startswith("crm.customer.")]
    assert sorted(customer_types) == [
        "crm.customer.consent_changed.v1",
        "crm.customer.contact_added.v1",
        "crm.customer.contact_changed.v1",
        "crm.customer.contact_removed.v1",
        "crm.customer.created.v1",
        "crm.customer.credit_rated.v1",
        "crm.customer.erased.v1",
        "crm.customer.lead_linked.v1",
        "crm.customer.lifecycle_changed.v1",
        "crm.customer.merged.v1",
        "crm.customer.updated.v1",
    ]
    assert {topic_of(t) for t in customer_types} == {"crm.customer"}


def test_every_sales_event_is_registered_on_the_sales_topic() -> None:
    sales_types = [t for t in all_event_types() if t.startswith("crm.sales.")]
    assert sorted(sales_types) == [
        "crm.sales.activity_completed.v1",
        "crm.sales.activity_due.v1",
        "crm.sales.activity_scheduled.v1",
        "crm.sales.lead_changed.v1",
        "crm.sales.lead_converted.v1",
        "crm.sales.lead_created.v1",
        "crm.sales.opportunity_changed.v1",
        "crm.sales.opportunity_opened.v1",
        "crm.sales.opportunity_stage_changed.v1",
        "crm.sales.order_cancelled.v1",
        "crm.sales.order_payment_changed.v1",
        "crm.sales.order_placed.v1",
        "crm.sales.quote_decided.v1",
        "crm.sales.quote_issued.v1",
    ]
    assert {topic_of(t) for t in sales_types} == {"crm.sales"}
