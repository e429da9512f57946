"""Who is in which saved segment, as analytics last said (``segment.membership_changed``):
the audiences campaigns snapshot at launch, and follow while they run when kept live; and
how far the first evaluation of a campaign's inline audience has arrived."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base


class SegmentMember(Base):
    __tablename__ = "segment_members"

    # "<segment id>/<customer id>": one key, so a run of events is applied by the shared
    # newest-rows projection (one read, one bulk write).
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    segment_name: Mapped[str] = mapped_column(String(200))
    member: Mapped[bool] = mapped_column(Boolean)
    sequence: Mapped[int] = mapped_column(Integer)  # the membership's version in analytics
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_segment_members_segment_member", "segment_id", "member"),)


def member_key(segment_id: str, customer_id: str) -> str:
    return f"{segment_id}/{customer_id}"


class AudienceEvaluation(Base):
    """A requested segment's first evaluation as it arrives: its joins (keyed by customer,
    over every partition) and ``segment.evaluated`` (keyed by the segment) in any order. It
    is complete once ``members`` is known and that many joins were applied. Counts only:
    no customer in it."""

    __tablename__ = "audience_evaluations"

    segment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    applied: Mapped[int] = mapped_column(Integer)  # joins of this evaluation applied
    members: Mapped[int | None] = mapped_column(Integer)  # None until segment.evaluated
    problem: Mapped[str | None] = mapped_column(Text)  # why analytics selected no one
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
