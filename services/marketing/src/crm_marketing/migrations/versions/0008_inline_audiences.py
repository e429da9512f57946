"""Campaigns with an inline audience (its filter, whether its first evaluation has arrived,
why it selected no one) and the count of each requested segment's first evaluation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("audience_filter", sa.JSON))
    # Every campaign so far reaches a saved segment: its audience is there.
    op.add_column(
        "campaigns",
        sa.Column("audience_ready", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.add_column("campaigns", sa.Column("audience_problem", sa.Text))
    op.create_table(
        "audience_evaluations",
        sa.Column("segment_id", sa.String(36), nullable=False),
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("applied", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer),
        sa.Column("problem", sa.Text),
        sa.Column("evaluated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("segment_id", "evaluation_id", name="pk_audience_evaluations"),
    )


def downgrade() -> None:
    op.drop_table("audience_evaluations")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("audience_problem")
        batch.drop_column("audience_ready")
        batch.drop_column("audience_filter")
