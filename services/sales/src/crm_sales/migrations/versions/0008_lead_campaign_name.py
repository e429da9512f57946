"""A lead opened from a marketing response keeps the campaign's name beside its id.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("campaign_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as table:
        table.drop_column("campaign_name")
