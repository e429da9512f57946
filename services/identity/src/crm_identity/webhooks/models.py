"""Partner webhooks: a subscription (a client's URL and the event types it wants), one
delivery per (subscription, event) with its attempts, and the customers erased (whose
events are never delivered again)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import Base, Versioned


class WebhookSubscription(Versioned, Base):
    __tablename__ = "webhook_subscriptions"
    __audit__ = "webhook_subscription"
    __audit_secret__ = ("sealed_secret",)
    # Counted by the delivery worker on every failed attempt: operations, not a change.
    __audit_ignore__ = ("consecutive_failures",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("partner_clients.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(200))
    # The signing secret (whsec_...): identity must sign with it, so it cannot be a hash;
    # it is stored sealed with the secrets key (crm_identity.sealing), beside the token
    # signing keys, and leaves the service only in the create and rotate answers.
    sealed_secret: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(40))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed attempts in a row, whichever the event; a 2xx resets it.
    consecutive_failures: Mapped[int] = mapped_column(Integer)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(36))  # also the webhook-id header
    event_type: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The CloudEvent JSON as sent; None once the customer it is about was erased.
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)  # since it was created or replayed
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int] = mapped_column(Integer)


class ErasedCustomer(Base):
    """A customer erased in the customer master: nothing about them is delivered again."""

    __tablename__ = "webhook_erased_customers"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
