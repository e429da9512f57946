"""Which team each user is on (from crm.identity): the manager part of record-level access.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.views.team_members import create_team_members_table, drop_team_members_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_team_members_table(op)


def downgrade() -> None:
    drop_team_members_table(op)
