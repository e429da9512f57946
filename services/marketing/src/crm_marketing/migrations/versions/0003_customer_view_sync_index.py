"""An index on customer_view (updated_at, id): the order of the incremental-sync list
(``GET /v1/customers?updated_since=…``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.views import create_customer_view_sync_index, drop_customer_view_sync_index

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_customer_view_sync_index(op)


def downgrade() -> None:
    drop_customer_view_sync_index(op)
