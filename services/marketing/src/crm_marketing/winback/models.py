"""What the win-back programme knows of each customer who bought: the first and last order
(sales' events), what they spent, and the stage of the current inactive spell it decided."""

from datetime import datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base, Money


class WinbackState(Base):
    __tablename__ = "winback_states"

    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    first_order_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime] = mapped_column(UTCDateTime)
    orders: Mapped[int] = mapped_column(Integer)
    spent: Mapped[Decimal] = mapped_column(Money)  # in the service's currency
    stage: Mapped[str | None] = mapped_column(String(16))  # decided for the current spell
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
