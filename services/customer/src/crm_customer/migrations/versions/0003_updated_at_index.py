"""An index on customers (updated_at, id): the order of the incremental-sync list
(``GET /v1/customers?updated_since=…``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customers_updated_at_id", "customers", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_customers_updated_at_id", table_name="customers")
