"""The sales service's facts in the customer master: converted leads (lead_links) and the
receivables of orders (receivables.order_id, order_version, source, cancelled_at).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_links",
        sa.Column("lead_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("opportunity_id", sa.String(36), nullable=True),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_lead_links_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_links"),
    )
    op.create_index("ix_lead_links_customer_id", "lead_links", ["customer_id"])
    # Batch mode: SQLite adds a unique column only by rebuilding the table.
    with op.batch_alter_table("receivables") as batch:
        batch.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="manual")
        )
        batch.add_column(sa.Column("order_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("order_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
        batch.create_unique_constraint("uq_receivables_order_id", ["order_id"])


def downgrade() -> None:
    with op.batch_alter_table("receivables") as batch:
        batch.drop_constraint("uq_receivables_order_id", type_="unique")
        batch.drop_column("cancelled_at")
        batch.drop_column("order_version")
        batch.drop_column("order_id")
        batch.drop_column("source")
    op.drop_index("ix_lead_links_customer_id", table_name="lead_links")
    op.drop_table("lead_links")
