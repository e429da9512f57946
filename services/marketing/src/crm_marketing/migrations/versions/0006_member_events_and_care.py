"""Member events (club events, lectures) and proactive care: a campaign's care flag and its
later steps' messages, the member events, and the churn risks proactive care keeps.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.add_column(
            sa.Column("care", sa.Boolean, nullable=False, server_default=sa.false())
        )
        campaigns.add_column(sa.Column("step_messages", sa.JSON))
    # The care programmes' standing campaigns made before the flag.
    campaigns_table = sa.table(
        "campaigns", sa.column("care", sa.Boolean), sa.column("programme", sa.String)
    )
    op.execute(
        campaigns_table.update()
        .where(campaigns_table.c.programme.like("care.%"))
        .values(care=True)
    )
    op.create_table(
        "member_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("segment_id", sa.String(36), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("invite_at", UTCDateTime),
        sa.Column("reminder_lead_hours", sa.Integer, nullable=False),
        sa.Column("reminder_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("cancelled_at", UTCDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_events"),
        sa.UniqueConstraint("campaign_id", name="uq_member_events_campaign_id"),
    )
    op.create_index("ix_member_events_starts_at", "member_events", ["starts_at"])
    op.create_table(
        "care_churn_risks",
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("risen_at", UTCDateTime),
        sa.Column("care_until", UTCDateTime),
        sa.PrimaryKeyConstraint("customer_id", name="pk_care_churn_risks"),
    )


def downgrade() -> None:
    op.drop_table("care_churn_risks")
    op.drop_table("member_events")
    with op.batch_alter_table("campaigns") as campaigns:
        campaigns.drop_column("step_messages")
        campaigns.drop_column("care")
