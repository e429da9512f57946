"""Quotes, orders, their lines and payments, the document counters, and the customers'
external ids in the customer view (the order history import resolves rows by them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from crm_shared.views.customer_view import (
    add_customer_view_external_id,
    drop_customer_view_external_id,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Money = sa.Numeric(14, 2)
Quantity = sa.Numeric(14, 4)
Share = sa.Numeric(5, 4)


def _line_columns(parent: str, parent_table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    table = f"{parent_table[:-1]}_lines"
    return [
        sa.Column("id", BigId, autoincrement=True),
        sa.Column(
            parent,
            sa.String(36),
            sa.ForeignKey(
                f"{parent_table}.id", ondelete="CASCADE", name=f"fk_{table}_{parent}_{parent_table}"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("unit_price", Money, nullable=False),
        sa.Column("discount", Share, nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    add_customer_view_external_id(op)
    counters = op.create_table(
        "document_counters",
        sa.Column("kind", sa.String(16)),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_document_counters"),
    )
    op.bulk_insert(counters, [{"kind": "quote", "last_number": 0}, {"kind": "order", "last_number": 0}])
    op.create_table(
        "orders",
        sa.Column("id", sa.String(36)),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(100)),
        sa.Column("import_key", sa.String(64)),
        sa.Column("quote_id", sa.String(36)),
        sa.Column("opportunity_id", sa.String(36)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(100)),
        sa.Column("ordered_at", UTCDateTime, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", Money, nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("paid_amount", Money, nullable=False),
        sa.Column("written_off_amount", Money, nullable=False),
        sa.Column("paid_on", sa.Date),
        sa.Column("payment_state", sa.String(16), nullable=False),
        sa.Column("write_off_reason", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("cancelled_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("number", name="uq_orders_number"),
        sa.UniqueConstraint("external_id", name="uq_orders_external_id"),
        sa.UniqueConstraint("import_key", name="uq_orders_import_key"),
    )
    for column in ("customer_id", "quote_id", "opportunity_id", "owner", "ordered_at"):
        op.create_index(f"ix_orders_{column}", "orders", [column])
    op.create_index("ix_orders_payment_state_due_date", "orders", ["payment_state", "due_date"])
    op.create_table("order_lines", *_line_columns("order_id", "orders"))
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36)),
        sa.Column(
            "order_id",
            sa.String(36),
            sa.ForeignKey("orders.id", ondelete="CASCADE", name="fk_payments_order_id_orders"),
            nullable=False,
        ),
        sa.Column("amount", Money, nullable=False),
        sa.Column("paid_at", UTCDateTime, nullable=False),
        sa.Column("method", sa.String(32)),
        sa.Column("reference", sa.String(200)),
        sa.Column("prepayment", sa.Boolean, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("recorded_by", sa.String(100)),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
    )
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(36)),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("opportunity_id", sa.String(36)),
        sa.Column("owner", sa.String(100)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", Money, nullable=False),
        sa.Column("reject_reason", sa.Text),
        sa.Column("order_id", sa.String(36)),
        sa.Column("superseded_by", sa.String(36)),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
        sa.UniqueConstraint("number", "revision", name="uq_quotes_number"),
    )
    for column in ("customer_id", "opportunity_id", "owner", "status"):
        op.create_index(f"ix_quotes_{column}", "quotes", [column])
    op.create_table("quote_lines", *_line_columns("quote_id", "quotes"))
    op.create_index("ix_quote_lines_quote_id", "quote_lines", ["quote_id"])


def downgrade() -> None:
    op.drop_table("quote_lines")
    op.drop_table("quotes")
    op.drop_table("payments")
    op.drop_table("order_lines")
    op.drop_table("orders")
    op.drop_table("document_counters")
    drop_customer_view_external_id(op)
