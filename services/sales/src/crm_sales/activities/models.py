"""An activity: a visit, call, e-mail, meeting or task, with its owner, due time and outcome,
about a lead, an opportunity or a customer (a task may stand alone)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_sales.db import Base, Versioned


class Activity(Versioned, Base):
    __tablename__ = "activities"
    __audit__ = "activity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    lead_id: Mapped[str | None] = mapped_column(String(36), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # "My overdue and today's": one owner's open activities by due time.
    __table_args__ = (Index("ix_activities_owner_done_due", "owner", "done", "due_at"),)
