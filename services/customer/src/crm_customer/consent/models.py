"""Consent decisions: one row per grant or withdrawal, never updated; the current state of a
channel is derived from its most recent decision."""

from collections.abc import Sequence
from datetime import datetime

from crm_shared.contracts.customer import ConsentChannel
from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_customer.consent.rules import Decision
from crm_customer.db import Base


class ConsentRecord(Base):
    __tablename__ = "consent_records"
    __audit__ = "customer"
    __audit_record_id__ = "customer_id"
    __audit_part__ = "consent"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(8))
    granted: Mapped[bool] = mapped_column(Boolean)
    # When the person decided (a paper form may be recorded days later) and when we wrote it.
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(200))  # where: "web signup form"
    method: Mapped[str | None] = mapped_column(String(100))  # how: "double opt-in"
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    # Set on copies a merge brings over from the merged duplicate.
    copied_from: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (Index("ix_consent_records_customer_id_channel", "customer_id", "channel"),)

    def as_decision(self, order: int) -> Decision:
        return Decision(ConsentChannel(self.channel), self.granted, self.decided_at, order)


def decisions_of(records: Sequence[ConsentRecord]) -> list[Decision]:
    """The decisions of a customer's records; the tie-breaker between two made at the same
    moment is their place in the list (loaded by decided_at then id, new ones appended),
    which is the order they were recorded in, known before a flush gives new ones an id."""
    return [record.as_decision(order) for order, record in enumerate(records)]
