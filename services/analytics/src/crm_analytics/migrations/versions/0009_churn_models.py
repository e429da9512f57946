"""The churn decision trees; the survey's department (for the CSI report by department);
the lost opportunity's reason and closing time (for the churn reasons report).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "churn_models",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("cut", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("churned", sa.Integer(), nullable=False),
        sa.Column("test_customers", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("auc", sa.Float(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("tree", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
    )
    op.create_index("ix_churn_models_fitted_at", "churn_models", ["fitted_at"])
    op.add_column("support_surveys", sa.Column("department", sa.String(100), nullable=True))
    op.add_column("sales_opportunities", sa.Column("loss_reason", sa.Text(), nullable=True))
    op.add_column("sales_opportunities", sa.Column("closed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sales_opportunities") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("loss_reason")
    with op.batch_alter_table("support_surveys") as batch:
        batch.drop_column("department")
    op.drop_index("ix_churn_models_fitted_at", table_name="churn_models")
    op.drop_table("churn_models")
