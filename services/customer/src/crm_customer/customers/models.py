"""The customer record: master data, segmentation profile, lifecycle, credit, status."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_customer.db import Base, Versioned

if TYPE_CHECKING:
    from crm_customer.consent.models import ConsentRecord

Tags = list[str]


class Customer(Versioned, Base):
    """The aggregate root: every change to it or to its tags and consent decisions is one
    step that calls ``touch`` (see :class:`~crm_customer.db.Versioned`)."""

    __tablename__ = "customers"
    # The audit log (crm_shared.db.audit): the derived matching keys are copies, not changes.
    __audit__ = "customer"
    __audit_ignore__ = ("name_folded", "email_normalized", "name_key")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    source: Mapped[str | None] = mapped_column(String(16))
    lifecycle_stage: Mapped[str] = mapped_column(String(16), index=True)
    relationship_phase: Mapped[str | None] = mapped_column(String(16))

    # Derived keys for matching and sorting; kept in step by the service.
    name_folded: Mapped[str] = mapped_column(String(200))
    email_normalized: Mapped[str | None] = mapped_column(String(320), index=True)
    name_key: Mapped[str | None] = mapped_column(String(401), index=True)

    # address
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    # geographic
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    city_size: Mapped[str | None] = mapped_column(String(50))
    area_type: Mapped[str | None] = mapped_column(String(16))
    climate_zone: Mapped[str | None] = mapped_column(String(50))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # demographic
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(50))
    income_band: Mapped[str | None] = mapped_column(String(50))
    occupation: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100), index=True)
    education: Mapped[str | None] = mapped_column(String(100))
    marital_status: Mapped[str | None] = mapped_column(String(50))
    household_size: Mapped[int | None] = mapped_column(Integer)
    # psychographic (free tags)
    lifestyle: Mapped[Tags] = mapped_column(JSON, default=list)
    personality: Mapped[Tags] = mapped_column(JSON, default=list)
    social_class: Mapped[Tags] = mapped_column(JSON, default=list)
    # behavioural
    usage_rate: Mapped[str | None] = mapped_column(String(16))
    benefits_sought: Mapped[Tags] = mapped_column(JSON, default=list)
    brand_loyalty: Mapped[str | None] = mapped_column(String(16))
    user_status: Mapped[str | None] = mapped_column(String(16))
    occasion: Mapped[str | None] = mapped_column(String(100))
    # business
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    market_share: Mapped[float | None] = mapped_column(Float)
    ownership: Mapped[str | None] = mapped_column(String(16))

    # credit (the receivables and the audit trail live in their own tables)
    credit_grade: Mapped[str | None] = mapped_column(String(1))
    credit_basis: Mapped[str | None] = mapped_column(String(16))
    credit_rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    operating_grade: Mapped[str | None] = mapped_column(String(16))

    merged_into: Mapped[str | None] = mapped_column(String(36), index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_reason: Mapped[str | None] = mapped_column(Text)
    erased_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tag_rows: Mapped[list["CustomerTag"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CustomerTag.tag"
    )
    consent_records: Mapped[list["ConsentRecord"]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="[ConsentRecord.decided_at, ConsentRecord.id]",
    )

    __table_args__ = (
        Index("ix_customers_created_at_id", "created_at", "id"),
        Index("ix_customers_name_folded_id", "name_folded", "id"),
        Index("ix_customers_updated_at_id", "updated_at", "id"),  # incremental sync
    )

    @property
    def tags(self) -> list[str]:
        return sorted(row.tag for row in self.tag_rows)

    def set_tags(self, tags: list[str]) -> None:
        """Replace the tag set, keeping rows that stay (a delete and re-insert of the same
        key in one flush would collide)."""
        wanted = set(tags)
        self.tag_rows = [row for row in self.tag_rows if row.tag in wanted]
        kept = {row.tag for row in self.tag_rows}
        self.tag_rows.extend(CustomerTag(tag=tag) for tag in sorted(wanted - kept))


class CustomerTag(Base):
    __tablename__ = "customer_tags"
    __audit__ = "customer"
    __audit_record_id__ = "customer_id"
    __audit_part__ = "tag"

    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
