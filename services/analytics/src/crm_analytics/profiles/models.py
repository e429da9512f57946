"""The profile projection: one row per customer, plus the tables it needs to answer fast.

Columns that a tombstone (an erased customer) or a profile known only from a late event
cannot fill are nullable; everything a snapshot carries is stored as it came.
"""

from datetime import date, datetime
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Boolean, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base


class Profile(Base):
    __tablename__ = "profiles"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    # customer_version of the last event applied: older events never move the profile back.
    version: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON)
    birth_date: Mapped[date | None] = mapped_column(Date)
    region: Mapped[str | None] = mapped_column(String(128))
    city: Mapped[str | None] = mapped_column(String(128))
    industry: Mapped[str | None] = mapped_column(String(128))
    segmentation: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {channel: {"granted": bool, "changed_at": iso time, "source": str | None}}
    consent: Mapped[dict[str, Any]] = mapped_column(JSON)
    lifecycle_stage: Mapped[str | None] = mapped_column(String(16))
    credit_grade: Mapped[str | None] = mapped_column(String(1))
    operating_grade: Mapped[str | None] = mapped_column(String(16))
    credit_basis: Mapped[str | None] = mapped_column(String(16))
    credit_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The list endpoint filters by stage or kind and pages by customer id.
        Index("ix_profiles_lifecycle_stage", "lifecycle_stage", "customer_id"),
        Index("ix_profiles_kind", "kind", "customer_id"),
    )


class ProfileTag(Base):
    """Tags again, one row each, so that "profiles tagged X" is an index lookup everywhere."""

    __tablename__ = "profile_tags"

    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class LifecycleChange(Base):
    __tablename__ = "lifecycle_changes"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_lifecycle_changes_customer_time", "customer_id", "changed_at", "event_id"),
    )


class ProfileContact(Base):
    """A contact (a person at a business customer) on the profile it belongs to: the
    customer's own, or the survivor's once the customer was merged away.

    ``version`` is the contact's version of the last event applied, so an older or repeated
    event never moves it back. A removed contact stays as a row without its personal data
    (``removed_at`` set), so that a late event cannot bring it back; erasure of the customer
    deletes its rows (the erased profile stops later events).
    """

    __tablename__ = "profile_contacts"

    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    job_title: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    buying_roles: Mapped[list[str]] = mapped_column(JSON)
    is_primary: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerAlias(Base):
    """A customer id merged into another: events and lookups for it go to the survivor.

    Chains are kept flat (A→C, not A→B→C) when a survivor is merged in turn, so resolving an
    alias is one primary-key lookup.
    """

    __tablename__ = "customer_aliases"

    alias_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    survivor_id: Mapped[str] = mapped_column(String(64), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merge_event_id: Mapped[str] = mapped_column(String(36))
