"""The report facts: why an opportunity was lost and to whom, the complaint category of a
ticket, the leads' source and campaign, and the quotes' decisions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_shared.db import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sales_opportunities") as table:
        table.add_column(sa.Column("lead_id", sa.String(64), nullable=True))
    with op.batch_alter_table("support_tickets") as table:
        table.add_column(sa.Column("category", sa.String(32), nullable=True))
    op.create_table(
        "sales_leads",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("campaign_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_sales_leads"),
    )
    op.create_index("ix_sales_leads_customer_id", "sales_leads", ["customer_id"])
    op.create_index("ix_sales_leads_campaign_id", "sales_leads", ["campaign_id"])
    op.create_table(
        "sales_quotes",
        sa.Column("quote_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.Numeric(18, 2), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("quote_id", name="pk_sales_quotes"),
    )
    op.create_index("ix_sales_quotes_customer_id", "sales_quotes", ["customer_id"])


def downgrade() -> None:
    op.drop_table("sales_quotes")
    op.drop_table("sales_leads")
    with op.batch_alter_table("support_tickets") as table:
        table.drop_column("category")
    with op.batch_alter_table("sales_opportunities") as table:
        table.drop_column("lead_id")
