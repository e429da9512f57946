"""The association rules of the cross-sell suggestions, and what the loyalty indicators read
of an opportunity (the competitor it was lost to, when it was opened and closed).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "association_rules",
        sa.Column("antecedent", sa.String(200), primary_key=True),
        sa.Column("consequent", sa.String(200), primary_key=True),
        sa.Column("orders_with_both", sa.Integer(), nullable=False),
        sa.Column("support", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("lift", sa.Float(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
    )
    op.add_column("sales_opportunities", sa.Column("competitor", sa.String(200), nullable=True))
    op.add_column("sales_opportunities", sa.Column("opened_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sales_opportunities") as table:
        table.drop_column("opened_at")
        table.drop_column("competitor")
    op.drop_table("association_rules")
