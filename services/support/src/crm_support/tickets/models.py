"""A ticket (complaint, inquiry or request), its service-level targets, and its history.

The targets share one clock per ticket: ``clock_consumed_seconds`` of business time counted
up to ``clock_running_since`` (null while the ticket waits on the customer: the clock is
paused). A target started at a clock reading (``start_reading``) and is due when the clock
reads ``start_reading + budget_seconds``; so a pause moves every running target, and a
re-plan (a new budget) keeps the time already spent and the time paused
(``crm_support.sla``).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base, Money, Versioned


class Ticket(Versioned, Base):
    __tablename__ = "tickets"
    __audit__ = "ticket"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str | None] = mapped_column(String(60))  # second level of the cause tree
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    # Where a ticket waiting on the customer goes back to when the customer answers.
    resume_status: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    # A grievance is voiced dissatisfaction; it becomes a complaint when demands are made.
    grievance: Mapped[bool] = mapped_column(Boolean, default=False)
    was_grievance: Mapped[bool] = mapped_column(Boolean, default=False)

    # The complaint's record (DOMAIN.md §4). Free text is personal: erasure scrubs it.
    subject: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    product: Mapped[str | None] = mapped_column(String(200), index=True)
    price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    staff_involved: Mapped[str | None] = mapped_column(String(100))
    real_cause: Mapped[str | None] = mapped_column(Text)
    desired_resolution: Mapped[str | None] = mapped_column(Text)
    demand_reasonable: Mapped[bool | None] = mapped_column(Boolean)
    long_standing: Mapped[bool | None] = mapped_column(Boolean)
    complainant_type: Mapped[str | None] = mapped_column(String(20))
    # public_figure, journalist, government_official: a VIP complainant whatever their value.
    complainant_profile: Mapped[str | None] = mapped_column(String(30))
    intensity: Mapped[str | None] = mapped_column(String(10))
    compensation_demanded: Mapped[Decimal | None] = mapped_column(Money)
    actual_loss: Mapped[Decimal | None] = mapped_column(Money)
    inconsistent_answers: Mapped[bool] = mapped_column(Boolean, default=False)

    # The roles on the case: the first receiver owns it until it is closed.
    received_by: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100), index=True)
    handler: Mapped[str | None] = mapped_column(String(100))
    manager: Mapped[str | None] = mapped_column(String(100))
    senior: Mapped[str | None] = mapped_column(String(100))
    decision_maker: Mapped[str | None] = mapped_column(String(100))
    follow_up_officer: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))

    major: Mapped[bool] = mapped_column(Boolean, default=False)
    major_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    handovers: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    lessons_learned: Mapped[str | None] = mapped_column(Text)

    clock_consumed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    clock_running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The queue: open tickets by status; a customer's repeat complaints by category.
        Index("ix_tickets_status_received_at", "status", "received_at"),
        Index("ix_tickets_customer_id_category", "customer_id", "category", "received_at"),
        Index("ix_tickets_cause_received_at", "cause", "received_at"),
    )


class TicketTarget(Base):
    """One service-level target of a ticket and its own state and due time."""

    __tablename__ = "ticket_targets"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    start_reading: Mapped[float] = mapped_column(Float)  # the ticket's clock when it started
    budget_seconds: Mapped[float] = mapped_column(Float)  # business time allowed
    # Cached from the clock while running (null while paused), for the queue's ordering.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was breached, what it was due at (the breach keeps it; the report counts it).
    breached_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketHistoryEntry(Base):
    """One step of the ticket's story, with who and when: a state change, a contact with
    the customer, a note, a hand-over, an escalation, a target met or breached, a recovery,
    a survey. ``text`` is personal free text (erasure scrubs it)."""

    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CrisisAlert(Base):
    """A group complaint raised to senior management (N complaints on one cause or product
    within the window); one per subject and window, so it is raised once."""

    __tablename__ = "crisis_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    about: Mapped[str] = mapped_column(String(260), index=True)
    count: Mapped[int] = mapped_column(Integer)
    ticket_ids: Mapped[list[str]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
