"""The platform's durable timers table (crm_shared.timers).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.db.migrations import create_timers_table, drop_timers_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_timers_table(op)


def downgrade() -> None:
    drop_timers_table(op)
