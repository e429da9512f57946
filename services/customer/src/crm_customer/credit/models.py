"""Receivables (the facts a credit controller records) and the audit trail of ratings."""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_customer.db import Base, Versioned

Money = Numeric(14, 2)

MANUAL_SOURCE = "manual"
ORDER_SOURCE = "order"


class Receivable(Versioned, Base):
    """One invoice: what was owed, when it was due, and what was paid when."""

    __tablename__ = "receivables"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(100))  # the invoice number
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date | None] = mapped_column(Date)  # the day it was paid in full
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the facts come from: "manual" (a credit controller, over the API) or "order" (an
    # order of the sales service, kept in step by its crm.sales events; read-only here).
    source: Mapped[str] = mapped_column(
        String(16), default=MANUAL_SOURCE, server_default=MANUAL_SOURCE
    )
    order_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    # The order snapshot's version last copied: an older event never overwrites a newer one.
    order_version: Mapped[int | None] = mapped_column(Integer)
    # A cancelled order's receivable stays (so a late event cannot revive it), void: it is
    # owed by no one and counts for no credit grade.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("customer_id", "reference"),)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def settled(self) -> bool:
        return self.paid_amount >= self.amount


class CreditRating(Base):
    """Every rating, computed or set by hand, with its basis and who gave it."""

    __tablename__ = "credit_ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    credit_grade: Mapped[str | None] = mapped_column(String(1))
    operating_grade: Mapped[str | None] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(16))  # computed, manual
    changed: Mapped[str] = mapped_column(String(16))  # credit_grade, operating_grade
    collected_share: Mapped[float | None] = mapped_column(Float)
    longest_payment_cycle_days: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    rated_by: Mapped[str | None] = mapped_column(String(100))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
