"""An order (or contract), its lines and the payments against it: the receivable the
customer master grades credit from.

``payment_state`` stores the settled part of the state (open, partial, paid, written_off);
``overdue`` depends on the day and is computed from ``due_date`` by the clock when read
(``rules.payment_state``), never stored, so no job has to flip it at midnight.
"""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_sales.db import Base, Money, Versioned

# A line's quantity (fractions for hours, kilograms ...) and its discount, a share 0-1.
Quantity = Numeric(14, 4)
Share = Numeric(5, 4)


class Order(Versioned, Base):
    __tablename__ = "orders"
    __audit__ = "order"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    # The id in the system it came from (an ERP); unique, so a re-import finds it.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Imported rows without an external id: a hash of (customer, ordered_at, amount,
    # product), unique, so the same row imported twice is found instead of doubled.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    quote_id: Mapped[str | None] = mapped_column(String(36), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(36), index=True)
    source: Mapped[str] = mapped_column(String(16))  # api, quote, import
    status: Mapped[str] = mapped_column(String(16))  # placed, cancelled
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    written_off_amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_state: Mapped[str] = mapped_column(String(16))
    write_off_reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_orders_payment_state_due_date", "payment_state", "due_date"),)


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Share)
    amount: Mapped[Decimal] = mapped_column(Money)


class Payment(Base):
    """Money received against an order. ``prepayment``: paid before the order's date;
    ``late``: paid after its due date (both kept as they were when recorded)."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str | None] = mapped_column(String(32))
    # Free text (a bank reference may name a person): scrubbed when the customer is erased.
    reference: Mapped[str | None] = mapped_column(String(200))
    prepayment: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentCounter(Base):
    """The last number given to a kind of document (``quote``, ``order``): numbers are
    reserved by one UPDATE ... RETURNING, one at a time or a whole import chunk at once."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
