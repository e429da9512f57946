"""Team members (record-level access), leads, opportunities and their stage history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from crm_shared.views.team_members import create_team_members_table, drop_team_members_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Money = sa.Numeric(14, 2)


def upgrade() -> None:
    create_team_members_table(op)
    op.create_table(
        "leads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200)),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("email_normalized", sa.String(320)),
        sa.Column("phone_normalized", sa.String(32)),
        sa.Column("source", sa.String(32)),
        sa.Column("campaign_id", sa.String(36)),
        sa.Column("external_id", sa.String(100)),
        sa.Column("owner", sa.String(100)),
        sa.Column("industry", sa.String(100)),
        sa.Column("region", sa.String(100)),
        sa.Column("role", sa.String(100)),
        sa.Column("company_size", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disqualified_reason", sa.Text),
        sa.Column("customer_id", sa.String(36)),
        sa.Column("opportunity_id", sa.String(36)),
        sa.Column("activities_done", sa.Integer, nullable=False),
        sa.Column("campaign_responses", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("score_reasons", sa.JSON, nullable=False),
        sa.Column("win_probability", sa.Float),
        sa.Column("converted_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
        sa.UniqueConstraint("external_id", name="uq_leads_external_id"),
    )
    for column in ("email_normalized", "phone_normalized", "owner", "status", "customer_id"):
        op.create_index(f"ix_leads_{column}", "leads", [column])
    op.create_index("ix_leads_score", "leads", ["score"])
    op.create_table(
        "opportunities",
        sa.Column("id", sa.String(36)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(36)),
        sa.Column("lead_id", sa.String(36)),
        sa.Column("owner", sa.String(100)),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("probability_override_reason", sa.Text),
        sa.Column("probability_overridden", sa.Boolean, nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("weighted_amount", Money, nullable=False),
        sa.Column("expected_close_date", sa.Date),
        sa.Column("loss_reason", sa.Text),
        sa.Column("competitor", sa.String(200)),
        sa.Column("stage_entered_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunities"),
    )
    for column in ("customer_id", "lead_id", "owner", "expected_close_date"):
        op.create_index(f"ix_opportunities_{column}", "opportunities", [column])
    op.create_index(
        "ix_opportunities_stage_close", "opportunities", ["stage", "expected_close_date"]
    )
    op.create_table(
        "opportunity_stage_changes",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column(
            "opportunity_id",
            sa.String(36),
            sa.ForeignKey(
                "opportunities.id",
                ondelete="CASCADE",
                name="fk_opportunity_stage_changes_opportunity_id_opportunities",
            ),
            nullable=False,
        ),
        sa.Column("from_stage", sa.String(16)),
        sa.Column("to_stage", sa.String(16), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("seconds_in_from_stage", sa.Float),
        sa.Column("reason", sa.Text),
        sa.Column("changed_by", sa.String(100)),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunity_stage_changes"),
    )
    op.create_index(
        "ix_opportunity_stage_changes_opportunity_id",
        "opportunity_stage_changes",
        ["opportunity_id"],
    )


def downgrade() -> None:
    op.drop_table("opportunity_stage_changes")
    op.drop_table("opportunities")
    op.drop_table("leads")
    drop_team_members_table(op)
