"""The sales section's own tables: one row per order and per opportunity, the last state the
sales service published of each (its snapshot's ``version`` guards against older events).

The rows hold no personal data (ids, amounts, currencies, dates, states): erasure leaves
them, so a tombstone's figures still add up. They are filed under the customer id the event
named; the profile reads them for the customer and every alias merged into it, so a merge
needs no rewrite and events about an alias, before or after the merge, count for the
survivor.
"""

from datetime import date, datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, Date, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base

Money = Numeric(18, 2)


class SalesOrder(Base):
    __tablename__ = "sales_orders"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    written_off_amount: Mapped[Decimal] = mapped_column(Money)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date] = mapped_column(Date)
    payment_state: Mapped[str] = mapped_column(String(16))
    cancelled: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_sales_orders_customer_id", "customer_id", "currency"),)


class SalesOpportunity(Base):
    __tablename__ = "sales_opportunities"

    opportunity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None while the opportunity is a lead's that is nobody's customer yet.
    customer_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int]
    stage: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    weighted_amount: Mapped[Decimal] = mapped_column(Money)
    # For the loyalty indicators: attention to competitors, decision time (opened → won).
    competitor: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the churn reasons report: why a lost opportunity was lost, and when it closed.
    loss_reason: Mapped[str | None] = mapped_column(Text)
    # The lead it came from (the campaigns report).
    lead_id: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sales_opportunities_customer_id", "customer_id", "stage"),)


class SalesLead(Base):
    """Where a lead came from (its source and campaign), for the campaign report; no name,
    company or contact point is kept."""

    __tablename__ = "sales_leads"

    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Set once the lead is somebody's customer (or through its opportunity's customer).
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(100))
    campaign_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SalesQuote(Base):
    """The last state of each quote revision; ``decided_at`` is when it was accepted,
    rejected or expired (the decision event's time)."""

    __tablename__ = "sales_quotes"

    quote_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
