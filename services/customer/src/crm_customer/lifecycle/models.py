"""The lifecycle history: every stage change with when, why and who."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_customer.db import Base


class LifecycleChange(Base):
    __tablename__ = "lifecycle_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    transition: Mapped[str] = mapped_column(String(16))  # created, engaged, converted, ...
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
