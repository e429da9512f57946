"""What proactive care knows of a customer's churn risk: analytics' newest level (its
scoring run's sequence, so a late or repeated event changes nothing) and, after a rise to
high, until when promotions wait for the care call."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base


class ChurnCare(Base):
    __tablename__ = "care_churn_risks"

    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    sequence: Mapped[int] = mapped_column(Integer)
    risen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last rise to high
    care_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # promotions wait till
