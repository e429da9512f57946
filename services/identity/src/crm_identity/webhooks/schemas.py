from datetime import datetime
from typing import Annotated

from crm_shared.fields import text
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from crm_identity.webhooks.rules import PATTERN_REGEX

EventPattern = Annotated[str, StringConstraints(pattern=PATTERN_REGEX, max_length=200)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, text(2048)] = Field(
        description="Where to POST the events: https (http only in development); never a "
        "loopback, private or link-local address unless "
        "CRM_IDENTITY_WEBHOOK_ALLOW_PRIVATE_TARGETS; no credentials in the URL"
    )
    event_types: list[EventPattern] = Field(
        min_length=1,
        max_length=50,
        description="Event types to receive: `*`, `crm.customer.*`, `crm.customer.created.v1`; "
        "the client's scopes must allow every type a pattern can match",
    )
    description: Annotated[str, text(200)] | None = None
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None,
        description="Whose subscription (an admin names the client; a partner client leaves "
        "it out and subscribes for itself)",
    )

    @field_validator("event_types")
    @classmethod
    def _unique(cls, patterns: list[str]) -> list[str]:
        return list(dict.fromkeys(patterns))


class SubscriptionOut(BaseModel):
    """A webhook subscription; its secret is shown once (:class:`SubscriptionWithSecret`)."""

    id: str
    client_id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(
        description="`consecutive-failures` or `retries-exhausted` while disabled"
    )
    disabled_at: datetime | None
    consecutive_failures: int
    version: int
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(
        description="`whsec_<base64>`: verify the `webhook-signature` of every delivery with "
        "it. Shown in this answer only: store it now (rotate it if it is lost)."
    )


class DeliveryOut(BaseModel):
    id: str
    subscription_id: str
    event_id: str = Field(description="The CloudEvent's id, sent as `webhook-id`")
    event_type: str
    status: str = Field(description="pending, delivered, failed or cancelled")
    attempts: int = Field(description="Attempts since it was created or last replayed")
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    payload_erased: bool = Field(description="The event was about a customer since erased")
    created_at: datetime
    updated_at: datetime


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryDetail(DeliveryOut):
    history: list[AttemptOut] = Field(description="Every attempt, oldest first")
