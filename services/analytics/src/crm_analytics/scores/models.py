"""The scores of every customer and the runs that computed them.

``customer_scores`` holds one row per customer who is not an alias (scores of a merged
customer are computed for the survivor, over the orders of both). The row holds no
personal data (ids, counts, amounts, classes, reasons); it is what the profile's
``scores`` section, the reports and the segment filters read.

``score_runs`` records each scoring run: a full run recomputes the quintile edges of RFM
and the value thresholds of ABC over the whole base; a live run (after an order) scores the
customers it names against the edges of the last full run, so a new order moves the
customer's scores within seconds without rescanning a million others.

``clv_models`` keeps every fit of BG/NBD + Gamma-Gamma; the newest is the one in use.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Date, Float, Index, Integer, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base

Money = Numeric(18, 2)


class CustomerScore(Base):
    __tablename__ = "customer_scores"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The run that last wrote the row: the sequence of the events it published.
    sequence: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # RFM (orders in the reporting currency, cancelled ones excluded).
    orders: Mapped[int]
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recency_days: Mapped[int | None]
    monetary_total: Mapped[Decimal] = mapped_column(Money)
    monetary_average: Mapped[Decimal | None] = mapped_column(Money)
    r: Mapped[int | None] = mapped_column(SmallInteger)
    f: Mapped[int | None] = mapped_column(SmallInteger)
    m: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_segment: Mapped[str | None] = mapped_column(String(32))

    # ABC over the value window, and the value class (VIP above A).
    window_value: Mapped[Decimal] = mapped_column(Money)
    abc_class: Mapped[str | None] = mapped_column(String(1))
    value_class: Mapped[str | None] = mapped_column(String(8))

    # CLV: the model's summary as lifetimes defines it (days), predictions, the worksheet.
    clv_frequency: Mapped[float] = mapped_column(Float)
    clv_recency: Mapped[float] = mapped_column(Float)
    clv_t: Mapped[float] = mapped_column(Float)
    clv_monetary_value: Mapped[float] = mapped_column(Float)
    probability_alive: Mapped[float | None] = mapped_column(Float)
    expected_purchases_30d: Mapped[float | None] = mapped_column(Float)
    expected_average_value: Mapped[float | None] = mapped_column(Float)
    predicted_value: Mapped[float | None] = mapped_column(Float)  # over the CLV horizon
    worksheet_value: Mapped[Decimal | None] = mapped_column(Money)

    # Churn risk: 0-1, low / medium / high, [{"code", "weight", "detail"}].
    churn_score: Mapped[float] = mapped_column(Float)
    churn_level: Mapped[str] = mapped_column(String(8))
    churn_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    # Most-valuable-customer order 1 (high credit, large, loyal) - 8, and the loyalty score.
    mvc_class: Mapped[int | None] = mapped_column(SmallInteger)
    loyalty_score: Mapped[float | None] = mapped_column(Float)

    # Inactivity: the spell (its last purchase) and the highest threshold published for it
    # (``customer.inactive``), carried from run to run so each crossing is published once.
    inactive_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inactive_notified_days: Mapped[int | None]

    __table_args__ = (
        Index("ix_customer_scores_rfm_segment", "rfm_segment", "customer_id"),
        Index("ix_customer_scores_value_class", "value_class", "customer_id"),
        Index("ix_customer_scores_churn_level", "churn_level", "customer_id"),
    )


class ScoreRun(Base):
    __tablename__ = "score_runs"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # full, live
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    customers: Mapped[int]
    # Of a full run: {"recency": [4 edges], "frequency": [...], "monetary": [...],
    # "abc": {"A": min value, "B": ..., "C": ...}}; a live run copies its full run's.
    edges: Mapped[dict[str, Any]] = mapped_column(JSON)


class ClvModel(Base):
    __tablename__ = "clv_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    observation_end: Mapped[date] = mapped_column(Date)
    customers: Mapped[int]
    r: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float)
    a: Mapped[float] = mapped_column(Float)
    b: Mapped[float] = mapped_column(Float)
    # Gamma-Gamma: None when too few customers bought twice to fit it.
    p: Mapped[float | None] = mapped_column(Float)
    q: Mapped[float | None] = mapped_column(Float)
    v: Mapped[float | None] = mapped_column(Float)
    bgnbd_log_likelihood: Mapped[float] = mapped_column(Float)
    gamma_gamma_log_likelihood: Mapped[float | None] = mapped_column(Float)


class OrderLine(Base):
    """The lines of the orders (what was bought), for the cross-sell suggestions. Written
    once per order from its first event; a cancelled order's lines stay and are skipped by
    the join with ``sales_orders``."""

    __tablename__ = "sales_order_lines"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(200), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    amount: Mapped[Decimal] = mapped_column(Money)
