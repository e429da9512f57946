"""An order's credit to a campaign: its share, and the revenue that share stands for in the
campaign's currency (None: the order's currency has no rate to it)."""

from datetime import datetime
from decimal import Decimal

from crm_shared.db import UTCDateTime
from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base, Money


class Attribution(Base):
    __tablename__ = "attributions"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    share: Mapped[float] = mapped_column(Float)
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
