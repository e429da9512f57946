"""The churn decision trees: one row per fit, the newest is the model in use.

A row holds no personal data (counts, figures, the tree's thresholds and the readable
rules): erasure and merges leave it alone.
"""

from datetime import date, datetime
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Date, Float, Integer
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base


class ChurnModel(Base):
    __tablename__ = "churn_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The history was known up to as_of; features are as of cut = as_of - horizon_days, the
    # label is "no purchase in [cut, as_of)".
    as_of: Mapped[date] = mapped_column(Date)
    cut: Mapped[date] = mapped_column(Date)
    horizon_days: Mapped[int]
    customers: Mapped[int]
    churned: Mapped[int]
    test_customers: Mapped[int]
    accuracy: Mapped[float] = mapped_column(Float)
    # None when the held-out part holds one class only (no ROC curve to measure).
    auc: Mapped[float | None] = mapped_column(Float)
    features: Mapped[list[str]] = mapped_column(JSON)
    # Nested nodes: {"feature", "threshold", "le", "gt"} or a leaf {"probability", ...}.
    tree: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules: Mapped[list[str]] = mapped_column(JSON)
