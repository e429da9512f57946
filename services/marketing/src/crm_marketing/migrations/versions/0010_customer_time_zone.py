"""The customer's time zone in marketing's customer view (quiet hours and greetings in the
customer's own zone).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op
from crm_shared.views import add_customer_view_time_zone, drop_customer_view_time_zone

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_customer_view_time_zone(op)


def downgrade() -> None:
    drop_customer_view_time_zone(op)
