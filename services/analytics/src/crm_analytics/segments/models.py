"""Saved segments and their members.

``segments``: a named filter (the DSL of :mod:`crm_shared.contracts.segments`) with the
bands (age, spend) it was saved with, so that a change of the settings never silently
changes what a saved segment means; ``member_count`` is kept with every join and leave.

``segment_members``: one row per segment and customer who ever joined. A leave keeps the
row (``left_at`` set) so that the membership's ``version`` keeps counting up across
leaves and re-joins: it is the ``sequence`` of ``crm.analytics.segment.membership_changed``,
which consumers compare to drop an older change. Only ids and times: nothing personal.
"""

from datetime import datetime
from typing import Any

from crm_shared.db import UTCDateTime
from crm_shared.db.versioned import Versioned
from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base


class Segment(Versioned, Base):
    __tablename__ = "segments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"age": [...], "spend": [...]}: the settings' bands when the filter was saved.
    bands: Mapped[dict[str, Any]] = mapped_column(JSON)
    member_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_segments_created_at", "created_at", "id"),)


class SegmentMember(Base):
    __tablename__ = "segment_members"

    segment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int]
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Incremental refresh reads a customer's memberships in every segment.
    __table_args__ = (Index("ix_segment_members_customer_id", "customer_id"),)
