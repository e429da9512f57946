"""Service visits and routine follow-up calls (after every sale and visit).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("visited_at", UTCDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index(op.f("ix_visits_customer_id"), "visits", ["customer_id"], unique=False)
    op.create_index(op.f("ix_visits_visited_at"), "visits", ["visited_at"], unique=False)
    op.create_table(
        "follow_up_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("problem_fixed", sa.Boolean(), nullable=True),
        sa.Column("questions_answered", sa.Boolean(), nullable=True),
        sa.Column("next_service_date", sa.Date(), nullable=True),
        sa.Column("lead_spotted", sa.Boolean(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("complaint_ticket_id", sa.String(length=36), nullable=True),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_calls")),
        sa.UniqueConstraint("reason", "source_id", name=op.f("uq_follow_up_calls_reason")),
    )
    op.create_index(
        op.f("ix_follow_up_calls_customer_id"), "follow_up_calls", ["customer_id"], unique=False
    )
    op.create_index(op.f("ix_follow_up_calls_due_at"), "follow_up_calls", ["due_at"], unique=False)
    op.create_index(op.f("ix_follow_up_calls_owner"), "follow_up_calls", ["owner"], unique=False)


def downgrade() -> None:
    op.drop_table("follow_up_calls")
    op.drop_table("visits")
