"""The knowledge base: standard answers per inquiry category, their use and rating on tickets.

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
        "standard_answers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("retired_at", UTCDateTime, nullable=True),
        sa.Column("retired_by", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_answers")),
    )
    op.create_index(
        "ix_standard_answers_category_cause",
        "standard_answers",
        ["category", "cause"],
        unique=False,
    )
    op.create_table(
        "standard_answer_uses",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("answer_id", sa.String(length=36), nullable=False),
        sa.Column("used_by", sa.String(length=100), nullable=False),
        sa.Column("used_at", UTCDateTime, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("rated_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["standard_answers.id"],
            name=op.f("fk_standard_answer_uses_answer_id_standard_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_standard_answer_uses_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", "answer_id", name=op.f("pk_standard_answer_uses")),
    )
    op.create_index(
        "ix_standard_answer_uses_answer_id", "standard_answer_uses", ["answer_id"], unique=False
    )
    op.create_index(
        op.f("ix_standard_answer_uses_used_at"), "standard_answer_uses", ["used_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("standard_answer_uses")
    op.drop_table("standard_answers")
