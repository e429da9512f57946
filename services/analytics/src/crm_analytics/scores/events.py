"""The events of a scoring run: one ``value_class.changed`` and one ``churn_risk.changed``
per customer whose class or level moved since the stored row."""

from typing import Any

from crm_shared.contracts.analytics import (
    AbcClass,
    ChurnLevel,
    ChurnReason,
    ChurnRiskChanged,
    ValueClass,
    ValueClassChanged,
)
from crm_shared.db import UnitOfWork

from crm_analytics.settings import AnalyticsSettings


def record_changes(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    before: dict[str, tuple[Any, ...]],
    settings: AnalyticsSettings,
    sequence: int,
) -> list[str]:
    changed: list[str] = []
    for row in rows:
        value_class, churn_level = before.get(row["customer_id"], (None, None))
        moved = False
        if row["value_class"] != value_class:
            moved = True
            uow.record(
                ValueClassChanged(
                    customer_id=row["customer_id"],
                    value_class=ValueClass(row["value_class"]) if row["value_class"] else None,
                    previous=ValueClass(value_class) if value_class else None,
                    abc_class=AbcClass(row["abc_class"]) if row["abc_class"] else None,
                    value=str(row["window_value"]),
                    currency=settings.currency,
                    sequence=sequence,
                    computed_at=row["computed_at"],
                )
            )
        if row["churn_level"] != churn_level:
            moved = True
            uow.record(
                ChurnRiskChanged(
                    customer_id=row["customer_id"],
                    level=ChurnLevel(row["churn_level"]),
                    previous=ChurnLevel(churn_level) if churn_level else None,
                    score=row["churn_score"],
                    reasons=[ChurnReason(**reason) for reason in row["churn_reasons"]],
                    days_inactive=row["recency_days"],
                    usual_gap_days=_usual_gap(row),
                    sequence=sequence,
                    computed_at=row["computed_at"],
                )
            )
        if moved:
            changed.append(row["customer_id"])
    return changed


def _usual_gap(row: dict[str, Any]) -> float | None:
    frequency = row["clv_frequency"]
    return round(row["clv_recency"] / frequency, 1) if frequency > 0 else None
