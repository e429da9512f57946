"""Integration events: immutable payload models, registered by their CloudEvents type.

A payload class is declared once, in ``crm_shared.contracts``, with its type name::

    @integration_event("crm.customer.created.v1")
    class CustomerCreated(IntegrationEvent):
        customer_id: str
        ...

The registry answers "which model validates this type" for consumers and says which topic a
type belongs to (``crm.<domain>``) for producers.
"""

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from crm_shared.events.envelope import CloudEvent


class UnknownEventTypeError(LookupError):
    """No payload model is registered for this event type (or this version of it)."""


class IntegrationEvent(BaseModel):
    """An event's payload. Its contract declares its key (``key_field``): the customer id
    where there is a customer, else the aggregate's own id (a campaign, a segment, a user).
    The key is the Kafka message key and the CloudEvents subject, so every event with one
    key lands on one partition, in the order it was committed."""

    # Tolerant reader: a newer producer may add fields; a breaking change gets a new version.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    key_field: ClassVar[str] = "customer_id"

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))

    @property
    def subject(self) -> str:
        return self.key

    @property
    def about_customer(self) -> str | None:
        """The customer this event is about, if any (what the 360 timeline files it under)."""
        value = getattr(self, "customer_id", None)
        return str(value) if value is not None else None


E = TypeVar("E", bound=type[IntegrationEvent])

_REGISTRY: dict[str, type[IntegrationEvent]] = {}


def integration_event(type_name: str) -> Any:
    def register(cls: E) -> E:
        if type_name in _REGISTRY and _REGISTRY[type_name] is not cls:
            raise ValueError(f"event type {type_name} is registered twice")
        if cls.key_field not in cls.__pydantic_fields__:
            raise TypeError(f"{cls.__name__}: key field {cls.key_field!r} is not a field")
        cls.event_type = type_name
        _REGISTRY[type_name] = cls
        return cls

    return register


def topic_of(type_name: str) -> str:
    """``crm.customer.created.v1`` is published on ``crm.customer``."""
    domain = type_name.split(".")[1]
    return f"crm.{domain}"


def all_event_types() -> dict[str, type[IntegrationEvent]]:
    return dict(_REGISTRY)


def parse_payload(envelope: CloudEvent) -> IntegrationEvent:
    """Validate an envelope's data against its registered model (raises ValidationError)."""
    model = _REGISTRY.get(envelope.type)
    if model is None:
        raise UnknownEventTypeError(f"no event model is registered for type {envelope.type!r}")
    return model.model_validate(envelope.data)
