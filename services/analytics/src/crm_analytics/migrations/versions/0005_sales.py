"""The profile's sales section: the last state of each order and opportunity.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_orders",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.Numeric(18, 2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("written_off_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("ordered_at", UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("payment_state", sa.String(16), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_sales_orders"),
    )
    op.create_index("ix_sales_orders_customer_id", "sales_orders", ["customer_id", "currency"])
    op.create_table(
        "sales_opportunities",
        sa.Column("opportunity_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("weighted_amount", sa.Numeric(18, 2), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", name="pk_sales_opportunities"),
    )
    op.create_index(
        "ix_sales_opportunities_customer_id", "sales_opportunities", ["customer_id", "stage"]
    )


def downgrade() -> None:
    op.drop_index("ix_sales_opportunities_customer_id", table_name="sales_opportunities")
    op.drop_table("sales_opportunities")
    op.drop_index("ix_sales_orders_customer_id", table_name="sales_orders")
    op.drop_table("sales_orders")
