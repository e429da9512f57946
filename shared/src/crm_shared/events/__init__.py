from crm_shared.events.envelope import CloudEvent, InvalidEnvelopeError
from crm_shared.events.registry import (
    IntegrationEvent,
    UnknownEventTypeError,
    all_event_types,
    integration_event,
    parse_payload,
    topic_of,
)

__all__ = [
    "CloudEvent",
    "IntegrationEvent",
    "InvalidEnvelopeError",
    "UnknownEventTypeError",
    "all_event_types",
    "integration_event",
    "parse_payload",
    "topic_of",
]
