"""What the customer master remembers of the sales service's facts: which customer each
converted lead became (its orders' receivables live with the credit package)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_customer.db import Base


class LeadLink(Base):
    """A converted lead and the customer it became (``created``) or turned out to be (a
    duplicate, linked). One row per lead: a second conversion event of the same lead finds
    it and answers the same, creating nothing. The customer may since have been merged
    away; readers follow ``merged_into``."""

    __tablename__ = "lead_links"

    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[str | None] = mapped_column(String(36))
    created: Mapped[bool] = mapped_column(Boolean)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
