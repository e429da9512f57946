"""Service recovery: compensation or goodwill given on a ticket, with its cost and approver."""

from datetime import datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base, Money


class Recovery(Base):
    __tablename__ = "recoveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(Text)  # personal: erasure scrubs it
    approved_by: Mapped[str] = mapped_column(String(100))
    over_limit: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
