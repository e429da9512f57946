"""The scores: one row per customer, the scoring runs, the CLV model fits, the order lines.

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

MONEY = sa.Numeric(18, 2)


def upgrade() -> None:
    op.create_table(
        "customer_scores",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("first_order_at", UTCDateTime(), nullable=True),
        sa.Column("last_order_at", UTCDateTime(), nullable=True),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("monetary_total", MONEY, nullable=False),
        sa.Column("monetary_average", MONEY, nullable=True),
        sa.Column("r", sa.SmallInteger(), nullable=True),
        sa.Column("f", sa.SmallInteger(), nullable=True),
        sa.Column("m", sa.SmallInteger(), nullable=True),
        sa.Column("rfm_segment", sa.String(32), nullable=True),
        sa.Column("window_value", MONEY, nullable=False),
        sa.Column("abc_class", sa.String(1), nullable=True),
        sa.Column("value_class", sa.String(8), nullable=True),
        sa.Column("clv_frequency", sa.Float(), nullable=False),
        sa.Column("clv_recency", sa.Float(), nullable=False),
        sa.Column("clv_t", sa.Float(), nullable=False),
        sa.Column("clv_monetary_value", sa.Float(), nullable=False),
        sa.Column("probability_alive", sa.Float(), nullable=True),
        sa.Column("expected_purchases_30d", sa.Float(), nullable=True),
        sa.Column("expected_average_value", sa.Float(), nullable=True),
        sa.Column("predicted_value", sa.Float(), nullable=True),
        sa.Column("worksheet_value", MONEY, nullable=True),
        sa.Column("churn_score", sa.Float(), nullable=False),
        sa.Column("churn_level", sa.String(8), nullable=False),
        sa.Column("churn_reasons", sa.JSON(), nullable=False),
        sa.Column("mvc_class", sa.SmallInteger(), nullable=True),
        sa.Column("loyalty_score", sa.Float(), nullable=True),
    )
    op.create_index(
        "ix_customer_scores_rfm_segment", "customer_scores", ["rfm_segment", "customer_id"]
    )
    op.create_index(
        "ix_customer_scores_value_class", "customer_scores", ["value_class", "customer_id"]
    )
    op.create_index(
        "ix_customer_scores_churn_level", "customer_scores", ["churn_level", "customer_id"]
    )
    op.create_table(
        "score_runs",
        sa.Column("sequence", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("edges", sa.JSON(), nullable=False),
    )
    op.create_table(
        "clv_models",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fitted_at", UTCDateTime(), nullable=False),
        sa.Column("observation_end", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("r", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("a", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("p", sa.Float(), nullable=True),
        sa.Column("q", sa.Float(), nullable=True),
        sa.Column("v", sa.Float(), nullable=True),
        sa.Column("bgnbd_log_likelihood", sa.Float(), nullable=False),
        sa.Column("gamma_gamma_log_likelihood", sa.Float(), nullable=True),
    )
    op.create_index("ix_clv_models_fitted_at", "clv_models", ["fitted_at"])
    op.create_table(
        "sales_order_lines",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
    )
    op.create_index("ix_sales_order_lines_customer_id", "sales_order_lines", ["customer_id"])
    op.create_index("ix_sales_order_lines_product", "sales_order_lines", ["product"])


def downgrade() -> None:
    op.drop_table("sales_order_lines")
    op.drop_table("clv_models")
    op.drop_table("score_runs")
    op.drop_table("customer_scores")
