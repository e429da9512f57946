"""An opportunity through the pipeline stages, and the history of its stages."""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_sales.db import Base, Money, Versioned


class Opportunity(Versioned, Base):
    __tablename__ = "opportunities"
    __audit__ = "opportunity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Null only between a lead's conversion and the customer master's answer.
    customer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    lead_id: Mapped[str | None] = mapped_column(String(36), index=True)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    probability: Mapped[float] = mapped_column(Float)
    # A rep's own estimate for this one opportunity, with the reason; null: the stage's.
    probability_override_reason: Mapped[str | None] = mapped_column(Text)
    probability_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # amount x probability to the cent, kept with both, so that sums are exact decimals.
    weighted_amount: Mapped[Decimal] = mapped_column(Money)
    expected_close_date: Mapped[date | None] = mapped_column(Date, index=True)
    loss_reason: Mapped[str | None] = mapped_column(Text)
    competitor: Mapped[str | None] = mapped_column(String(200))
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_opportunities_stage_close", "stage", "expected_close_date"),)


class StageChange(Base):
    """One move between stages: how long the opportunity spent in the stage it left."""

    __tablename__ = "opportunity_stage_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    probability: Mapped[float] = mapped_column(Float)
    seconds_in_from_stage: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
