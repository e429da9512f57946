"""A quote and its lines. Revising a quote makes a new record with the same ``number`` and
the next ``revision``; the one it replaces becomes ``superseded``. Only the latest revision
can be accepted (it becomes an order) or rejected.

``status`` stores draft, sent, accepted, rejected, superseded, or expired once the expiry
timer fired; before that, ``expired`` (valid_until passed, undecided) is computed by the
clock when read.
"""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_sales.db import Base, Money, Versioned
from crm_sales.orders.models import Quantity, Share


class Quote(Versioned, Base):
    __tablename__ = "quotes"
    __audit__ = "quote"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(36), index=True)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(String(36))
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("number", "revision"),)


class QuoteLine(Base):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    quote_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Share)
    amount: Mapped[Decimal] = mapped_column(Money)
