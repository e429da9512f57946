"""The unified timeline: one row per event about a customer, from every service."""

from datetime import datetime
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"

    # The event id is the key: a redelivered or replayed event can never add a second row.
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The profile the row belongs to; rewritten to the survivor when its customer is merged.
    customer_id: Mapped[str] = mapped_column(String(64))
    # The customer id the event itself named (differs from customer_id after a merge).
    subject_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(128))
    source_service: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        # Newest-first pages of one customer's timeline read this index and nothing else.
        Index("ix_timeline_entries_customer_time", "customer_id", "occurred_at", "event_id"),
    )
