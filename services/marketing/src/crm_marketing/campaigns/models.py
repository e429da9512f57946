"""A campaign: its plan (objective, budget, period, channel, owner), its audience (a saved
segment of analytics, or an inline filter analytics saves as one; snapshotted at launch and
optionally kept live), its message, and where it stands (draft, scheduled, running, paused,
stopped, completed)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base, Money, Versioned


class Campaign(Versioned, Base):
    __tablename__ = "campaigns"
    __audit__ = "campaign"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    segment_id: Mapped[str] = mapped_column(String(36), index=True)
    live_audience: Mapped[bool] = mapped_column(Boolean, default=False)
    # An inline audience: the filter analytics was asked to save as segment ``segment_id``;
    # not ready until its first evaluation has fully arrived (a launch waits for it), and
    # why analytics selected no one if it could not evaluate it.
    audience_filter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    audience_ready: Mapped[bool] = mapped_column(Boolean, default=True)
    audience_problem: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # An A/B test: the alternatives to the message (variants B, C, ...; the message is A),
    # the share of the audience tested, the metric and the decision delay; then the winner.
    ab_test: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ab_winner: Mapped[str | None] = mapped_column(String(8))
    budget: Mapped[Decimal | None] = mapped_column(Money)
    fixed_cost: Mapped[Decimal] = mapped_column(Money)
    cost_per_message: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner: Mapped[str | None] = mapped_column(String(100))
    # A programme's standing campaign (e.g. "winback.sms_reminder"): never completes; the
    # programme enrols its customers one by one.
    programme: Mapped[str | None] = mapped_column(String(32), unique=True)
    # A care programme's or a member event's: it reaches a customer whose churn risk rose
    # (promotions wait for the care call first).
    care: Mapped[bool] = mapped_column(Boolean, default=False)
    # The message of each later step, by step ("2": a member event's reminder, "3": its
    # cancellation); step 1 and a step not named send the campaign's own message.
    step_messages: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    audience: Mapped[int] = mapped_column(Integer, default=0)  # members taken at launch (and since)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_campaigns_status", "status"),)
