"""The inactivity mark of each customer's scores: the spell (its last purchase) and the
highest threshold ``customer.inactive`` was published for, so each crossing is published once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customer_scores", sa.Column("inactive_since", UTCDateTime(), nullable=True))
    op.add_column(
        "customer_scores", sa.Column("inactive_notified_days", sa.Integer(), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("customer_scores") as table:
        table.drop_column("inactive_notified_days")
        table.drop_column("inactive_since")
