"""The event catalog: an AsyncAPI 3.0 document generated from the registered event models.

Every service serves it at ``GET /v1/events/catalog``, so a partner or an internal consumer
can read which events exist, on which topic, and the exact schema of their ``data``.
"""

from typing import Any

from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import all_event_types, topic_of


def asyncapi_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": _envelope_schema()}
    for type_name, model in sorted(all_event_types().items()):
        message_name = _message_name(type_name)
        schemas[message_name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        _hoist_definitions(schemas, message_name)
        messages[message_name] = {
            "name": type_name,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().split("\n")[0] or type_name,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {"ce_type": {"const": type_name}}},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": type_name},
                            "data": {"$ref": f"#/components/schemas/{message_name}"},
                        },
                    },
                ]
            },
        }
        channel = channels.setdefault(
            topic_of(type_name),
            {
                "address": topic_of(type_name),
                "description": "Keyed by customer id: every event about a customer is ordered.",
                "messages": {},
            },
        )
        channel["messages"][message_name] = {"$ref": f"#/components/messages/{message_name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CRM platform events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0, structured JSON, on Kafka; the key is the customer.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }


def _message_name(type_name: str) -> str:
    """``crm.customer.created.v1`` → ``CustomerCreatedV1``, ``crm.support.sla.met.v1`` →
    ``SupportSlaMetV1``."""
    _, *name, version = type_name.split(".")
    words = [word for part in name for word in part.split("_")]
    return "".join(word.capitalize() for word in (*words, version))


def _envelope_schema() -> dict[str, Any]:
    schema = CloudEvent.model_json_schema()
    schema["required"] = ["specversion", "id", "source", "type", "time", "subject", "data"]
    return schema


def _hoist_definitions(schemas: dict[str, Any], name: str) -> None:
    """Move a model's nested ``$defs`` (e.g. CustomerSnapshot) to the shared components."""
    schemas.update(schemas[name].pop("$defs", {}))
