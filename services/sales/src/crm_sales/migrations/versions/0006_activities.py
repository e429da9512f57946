"""Activities (their due reminders are timers) and the fitted models of the leads' learnt
win probability.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.String(36)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(100)),
        sa.Column("due_at", UTCDateTime),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("done_at", UTCDateTime),
        sa.Column("outcome", sa.Text),
        sa.Column("lead_id", sa.String(36)),
        sa.Column("opportunity_id", sa.String(36)),
        sa.Column("customer_id", sa.String(36)),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
    )
    for column in ("lead_id", "opportunity_id", "customer_id"):
        op.create_index(f"ix_activities_{column}", "activities", [column])
    op.create_index("ix_activities_owner_done_due", "activities", ["owner", "done", "due_at"])
    op.create_table(
        "lead_scoring_models",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("trained_at", UTCDateTime, nullable=False),
        sa.Column("n_samples", sa.Integer, nullable=False),
        sa.Column("holdout_accuracy", sa.Float, nullable=False),
        sa.Column("model", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_scoring_models"),
    )
    op.create_index("ix_lead_scoring_models_trained_at", "lead_scoring_models", ["trained_at"])


def downgrade() -> None:
    op.drop_table("lead_scoring_models")
    op.drop_table("activities")
