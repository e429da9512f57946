"""What each customer is worth, as analytics last said (VIP / A complaints turn major).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.views.value_classes import create_value_classes_table, drop_value_classes_table

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_value_classes_table(op)


def downgrade() -> None:
    drop_value_classes_table(op)
