"""Platform tables, profiles, tags, lifecycle history, aliases and the timeline.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime, create_platform_tables, drop_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables(op)
    op.create_table(
        "profiles",
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("company", sa.String(255), nullable=True),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("region", sa.String(128), nullable=True),
        sa.Column("city", sa.String(128), nullable=True),
        sa.Column("industry", sa.String(128), nullable=True),
        sa.Column("segmentation", sa.JSON(), nullable=False),
        sa.Column("consent", sa.JSON(), nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=True),
        sa.Column("credit_grade", sa.String(1), nullable=True),
        sa.Column("operating_grade", sa.String(16), nullable=True),
        sa.Column("credit_basis", sa.String(16), nullable=True),
        sa.Column("credit_rated_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name="pk_profiles"),
    )
    op.create_index("ix_profiles_lifecycle_stage", "profiles", ["lifecycle_stage", "customer_id"])
    op.create_index("ix_profiles_kind", "profiles", ["kind", "customer_id"])

    op.create_table(
        "profile_tags",
        sa.Column("tag", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tag", "customer_id", name="pk_profile_tags"),
    )
    op.create_index("ix_profile_tags_customer_id", "profile_tags", ["customer_id"])

    op.create_table(
        "lifecycle_changes",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("from_stage", sa.String(16), nullable=True),
        sa.Column("to_stage", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(128), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_lifecycle_changes"),
    )
    op.create_index(
        "ix_lifecycle_changes_customer_time",
        "lifecycle_changes",
        ["customer_id", "changed_at", "event_id"],
    )

    op.create_table(
        "customer_aliases",
        sa.Column("alias_id", sa.String(64), nullable=False),
        sa.Column("survivor_id", sa.String(64), nullable=False),
        sa.Column("merged_at", UTCDateTime(), nullable=False),
        sa.Column("merge_event_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("alias_id", name="pk_customer_aliases"),
    )
    op.create_index("ix_customer_aliases_survivor_id", "customer_aliases", ["survivor_id"])

    op.create_table(
        "timeline_entries",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("source_service", sa.String(32), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_timeline_entries"),
    )
    op.create_index(
        "ix_timeline_entries_customer_time",
        "timeline_entries",
        ["customer_id", "occurred_at", "event_id"],
    )


def downgrade() -> None:
    op.drop_table("timeline_entries")
    op.drop_table("customer_aliases")
    op.drop_table("lifecycle_changes")
    op.drop_table("profile_tags")
    op.drop_table("profiles")
    drop_platform_tables(op)
