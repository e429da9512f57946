"""The customers' postal addresses in the view, and the campaigns' mail lists (direct mail).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.views.customer_view import (
    add_customer_view_postal_address,
    drop_customer_view_postal_address,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_customer_view_postal_address(op)
    op.create_table(
        "mail_list_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("street", sa.Text),
        sa.Column("postal_code", sa.Text),
        sa.Column("city", sa.Text),
        sa.Column("region", sa.Text),
        sa.Column("country", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("listed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_list_entries"),
    )
    op.create_index(
        "ix_mail_list_entries_campaign", "mail_list_entries", ["campaign_id", "step", "id"]
    )
    op.create_index("ix_mail_list_entries_customer_id", "mail_list_entries", ["customer_id"])


def downgrade() -> None:
    op.drop_table("mail_list_entries")
    drop_customer_view_postal_address(op)
