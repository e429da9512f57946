"""The profile's service section: the last state of each ticket, and the breach, recovery
and survey facts.

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
        "support_tickets",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_support_tickets"),
    )
    op.create_index(
        "ix_support_tickets_customer_id", "support_tickets", ["customer_id", "status"]
    )
    op.create_table(
        "support_breaches",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("breached_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "target", name="pk_support_breaches"),
    )
    op.create_index("ix_support_breaches_customer_id", "support_breaches", ["customer_id"])
    op.create_table(
        "support_recoveries",
        sa.Column("recovery_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cost", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recovery_id", name="pk_support_recoveries"),
    )
    op.create_index(
        "ix_support_recoveries_customer_id", "support_recoveries", ["customer_id", "currency"]
    )
    op.create_table(
        "support_surveys",
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("mean_score", sa.Numeric(6, 4), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", name="pk_support_surveys"),
    )
    op.create_index(
        "ix_support_surveys_customer_id", "support_surveys", ["customer_id", "answered_at"]
    )


def downgrade() -> None:
    for table, index in (
        ("support_surveys", "ix_support_surveys_customer_id"),
        ("support_recoveries", "ix_support_recoveries_customer_id"),
        ("support_breaches", "ix_support_breaches_customer_id"),
        ("support_tickets", "ix_support_tickets_customer_id"),
    ):
        op.drop_index(index, table_name=table)
        op.drop_table(table)
