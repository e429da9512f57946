"""The platform tables (outbox, inbox, idempotency keys) and the customer view.

Revision ID: 0001
Revises:
Create Date: 2024-11-24
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.db import create_platform_tables, drop_platform_tables
from crm_shared.views import create_customer_view_table, drop_customer_view_table

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables(op)
    create_customer_view_table(op)


def downgrade() -> None:
    drop_customer_view_table(op)
    drop_platform_tables(op)
