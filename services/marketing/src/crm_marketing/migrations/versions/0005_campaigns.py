"""The customers' birth dates in the view, campaigns, their messages and the orders credited to them, the saved segments' members and the customers' value classes
(both from crm.analytics).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.views.customer_view import (
    add_customer_view_birth_date,
    drop_customer_view_birth_date,
)
from crm_shared.views.value_classes import create_value_classes_table, drop_value_classes_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Money = sa.Numeric(14, 2)


def upgrade() -> None:
    add_customer_view_birth_date(op)
    create_value_classes_table(op)
    op.create_table(
        "segment_members",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("segment_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("segment_name", sa.String(200), nullable=False),
        sa.Column("member", sa.Boolean, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_segment_members"),
    )
    op.create_index("ix_segment_members_customer_id", "segment_members", ["customer_id"])
    op.create_index(
        "ix_segment_members_segment_member", "segment_members", ["segment_id", "member"]
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("objective", sa.Text),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("segment_id", sa.String(36), nullable=False),
        sa.Column("live_audience", sa.Boolean, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("html", sa.Text),
        sa.Column("ab_test", sa.JSON),
        sa.Column("ab_winner", sa.String(8)),
        sa.Column("budget", Money),
        sa.Column("fixed_cost", Money, nullable=False),
        sa.Column("cost_per_message", Money, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_at", UTCDateTime),
        sa.Column("ends_at", UTCDateTime),
        sa.Column("owner", sa.String(100)),
        sa.Column("programme", sa.String(32)),
        sa.Column("audience", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("launched_at", UTCDateTime),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("programme", name="uq_campaigns_programme"),
    )
    op.create_index("ix_campaigns_segment_id", "campaigns", ["segment_id"])
    op.create_index("ix_campaigns_status", "campaigns", ["status"])
    op.create_table(
        "campaign_messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("variant", sa.String(16)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("outcome", sa.String(24)),
        sa.Column("detail", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("not_before", UTCDateTime),
        sa.Column("enrolled_at", UTCDateTime, nullable=False),
        sa.Column("claimed_at", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("opened_at", UTCDateTime),
        sa.Column("clicked_at", UTCDateTime),
        sa.Column("unsubscribed_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_messages"),
        sa.UniqueConstraint(
            "campaign_id",
            "step",
            "customer_id",
            name="uq_campaign_messages_campaign_id",
        ),
    )
    op.create_index(
        "ix_campaign_messages_claim", "campaign_messages", ["campaign_id", "status", "not_before"]
    )
    op.create_index(
        "ix_campaign_messages_customer_sent", "campaign_messages", ["customer_id", "sent_at"]
    )
    op.create_table(
        "winback_states",
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("first_order_at", UTCDateTime, nullable=False),
        sa.Column("last_order_at", UTCDateTime, nullable=False),
        sa.Column("orders", sa.Integer, nullable=False),
        sa.Column("spent", Money, nullable=False),
        sa.Column("stage", sa.String(16)),
        sa.Column("decided_at", UTCDateTime),
        sa.PrimaryKeyConstraint("customer_id", name="pk_winback_states"),
    )
    op.create_table(
        "attributions",
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("revenue", Money),
        sa.Column("ordered_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("order_id", "campaign_id", name="pk_attributions"),
    )
    op.create_index("ix_attributions_campaign_id", "attributions", ["campaign_id"])
    op.create_index("ix_attributions_customer_id", "attributions", ["customer_id"])


def downgrade() -> None:
    op.drop_table("attributions")
    op.drop_table("winback_states")
    op.drop_table("campaign_messages")
    op.drop_table("campaigns")
    op.drop_table("segment_members")
    drop_value_classes_table(op)
    drop_customer_view_birth_date(op)
