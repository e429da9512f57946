"""Service visits (facts, like orders) and the follow-up calls after sales and visits."""

from datetime import date, datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base


class Visit(Base):
    """A customer came in: a service, a repair or a consultation."""

    __tablename__ = "visits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    staff: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)  # personal: erasure scrubs it
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpCall(Base):
    """One follow-up call: open until its outcome is recorded (then done). At most one per
    order or visit (``reason``, ``source_id``): a redelivered OrderPlaced schedules none."""

    __tablename__ = "follow_up_calls"
    __table_args__ = (UniqueConstraint("reason", "source_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # FollowUpReason
    source_id: Mapped[str] = mapped_column(String(36))
    owner: Mapped[str] = mapped_column(String(100), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(10))  # open, done
    problem_fixed: Mapped[bool | None] = mapped_column(Boolean)
    questions_answered: Mapped[bool | None] = mapped_column(Boolean)
    next_service_date: Mapped[date | None] = mapped_column(Date)
    lead_spotted: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)  # personal: erasure scrubs it
    complaint_ticket_id: Mapped[str | None] = mapped_column(String(36))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
