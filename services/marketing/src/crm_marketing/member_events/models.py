"""A member event: a club event or a lecture at a time and place, whose invitations, reminder
and cancellation are the steps of its own campaign (the messages live there)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base, Versioned


class MemberEvent(Versioned, Base):
    __tablename__ = "member_events"
    __audit__ = "member_event"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(8))
    segment_id: Mapped[str] = mapped_column(String(36))  # the invitees
    campaign_id: Mapped[str] = mapped_column(String(36), unique=True)
    invite_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: at creation
    reminder_lead_hours: Mapped[int] = mapped_column(Integer)
    reminder_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_member_events_starts_at", "starts_at"),)
