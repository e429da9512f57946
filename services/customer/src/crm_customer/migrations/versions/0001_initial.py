"""The customer master: customers, tags, contacts, consent, lifecycle, credit, receivables.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime, create_platform_tables, drop_platform_tables
from crm_shared.db.platform_tables import BigId

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sa.String:
    return sa.String(length)


def _customer_fk() -> sa.ForeignKey:
    return sa.ForeignKey("customers.id", ondelete="CASCADE")


def upgrade() -> None:
    create_platform_tables(op)
    op.create_table(
        "customers",
        sa.Column("id", _text(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("company", _text(200)),
        sa.Column("email", _text(320)),
        sa.Column("phone", _text(32)),
        sa.Column("external_id", _text(100)),
        sa.Column("owner", _text(100)),
        sa.Column("source", _text(16)),
        sa.Column("lifecycle_stage", _text(16), nullable=False),
        sa.Column("relationship_phase", _text(16)),
        sa.Column("name_folded", _text(200), nullable=False),
        sa.Column("email_normalized", _text(320)),
        sa.Column("name_key", _text(401)),
        sa.Column("street", _text(200)),
        sa.Column("postal_code", _text(20)),
        sa.Column("country", _text(2)),
        sa.Column("region", _text(100)),
        sa.Column("city", _text(100)),
        sa.Column("city_size", _text(50)),
        sa.Column("area_type", _text(16)),
        sa.Column("climate_zone", _text(50)),
        sa.Column("birth_date", sa.Date),
        sa.Column("gender", _text(50)),
        sa.Column("income_band", _text(50)),
        sa.Column("occupation", _text(100)),
        sa.Column("industry", _text(100)),
        sa.Column("education", _text(100)),
        sa.Column("marital_status", _text(50)),
        sa.Column("household_size", sa.Integer),
        sa.Column("lifestyle", sa.JSON, nullable=False),
        sa.Column("personality", sa.JSON, nullable=False),
        sa.Column("social_class", sa.JSON, nullable=False),
        sa.Column("usage_rate", _text(16)),
        sa.Column("benefits_sought", sa.JSON, nullable=False),
        sa.Column("brand_loyalty", _text(16)),
        sa.Column("user_status", _text(16)),
        sa.Column("occasion", _text(100)),
        sa.Column("employees", sa.Integer),
        sa.Column("annual_revenue", sa.Numeric(18, 2)),
        sa.Column("market_share", sa.Float),
        sa.Column("ownership", _text(16)),
        sa.Column("credit_grade", _text(1)),
        sa.Column("credit_basis", _text(16)),
        sa.Column("credit_rated_at", UTCDateTime),
        sa.Column("operating_grade", _text(16)),
        sa.Column("merged_into", _text(36)),
        sa.Column("erased_at", UTCDateTime),
        sa.Column("erasure_reason", sa.Text),
        sa.Column("erased_by", _text(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("external_id", name="uq_customers_external_id"),
    )
    for column in (
        "status", "phone", "owner", "lifecycle_stage", "email_normalized", "name_key",
        "region", "city", "industry", "merged_into",
    ):  # fmt: skip
        op.create_index(f"ix_customers_{column}", "customers", [column])
    op.create_index("ix_customers_created_at_id", "customers", ["created_at", "id"])
    op.create_index("ix_customers_name_folded_id", "customers", ["name_folded", "id"])

    op.create_table(
        "customer_tags",
        sa.Column("customer_id", _text(36), _customer_fk(), primary_key=True),
        sa.Column("tag", _text(100), primary_key=True),
    )
    op.create_index("ix_customer_tags_tag", "customer_tags", ["tag"])

    op.create_table(
        "contacts",
        sa.Column("id", _text(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", _text(36), _customer_fk(), nullable=False),
        sa.Column("name", _text(200), nullable=False),
        sa.Column("email", _text(320)),
        sa.Column("phone", _text(32)),
        sa.Column("job_title", _text(100)),
        sa.Column("department", _text(100)),
        sa.Column("buying_roles", sa.JSON, nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_contacts_customer_id", "contacts", ["customer_id"])

    op.create_table(
        "consent_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("customer_id", _text(36), _customer_fk(), nullable=False),
        sa.Column("channel", _text(8), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("source", _text(200)),
        sa.Column("method", _text(100)),
        sa.Column("recorded_by", _text(100)),
        sa.Column("copied_from", _text(36)),
    )
    op.create_index(
        "ix_consent_records_customer_id_channel", "consent_records", ["customer_id", "channel"]
    )

    op.create_table(
        "lifecycle_changes",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("customer_id", _text(36), _customer_fk(), nullable=False),
        sa.Column("from_stage", _text(16)),
        sa.Column("to_stage", _text(16), nullable=False),
        sa.Column("transition", _text(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("changed_by", _text(100)),
        sa.Column("changed_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_lifecycle_changes_customer_id", "lifecycle_changes", ["customer_id"])

    op.create_table(
        "credit_ratings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("customer_id", _text(36), _customer_fk(), nullable=False),
        sa.Column("credit_grade", _text(1)),
        sa.Column("operating_grade", _text(16)),
        sa.Column("basis", _text(16), nullable=False),
        sa.Column("changed", _text(16), nullable=False),
        sa.Column("collected_share", sa.Float),
        sa.Column("longest_payment_cycle_days", sa.Integer),
        sa.Column("reason", sa.Text),
        sa.Column("rated_by", _text(100)),
        sa.Column("rated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_credit_ratings_customer_id", "credit_ratings", ["customer_id"])

    op.create_table(
        "receivables",
        sa.Column("id", _text(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", _text(36), _customer_fk(), nullable=False),
        sa.Column("reference", _text(100), nullable=False),
        sa.Column("currency", _text(3)),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("paid_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date),
        sa.Column("recorded_by", _text(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("customer_id", "reference", name="uq_receivables_customer_id"),
    )
    op.create_index("ix_receivables_customer_id", "receivables", ["customer_id"])


def downgrade() -> None:
    for table in (
        "receivables", "credit_ratings", "lifecycle_changes", "consent_records", "contacts",
        "customer_tags", "customers",
    ):  # fmt: skip
        op.drop_table(table)
    drop_platform_tables(op)
