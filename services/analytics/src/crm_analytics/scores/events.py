"""The events of a scoring run: one ``value_class.changed`` and one ``churn_risk.changed``
per customer whose class or level moved since the stored row, and one ``customer.inactive``
per customer who crossed an inactivity threshold since the stored mark."""

from decimal import Decimal
from typing import Any

from crm_shared.contracts.analytics import (
    AbcClass,
    ChurnLevel,
    ChurnReason,
    ChurnRiskChanged,
    CustomerInactive,
    ValueClass,
    ValueClassChanged,
)
from crm_shared.db import UnitOfWork

from crm_analytics.scores.repository import Stored
from crm_analytics.scores.rules import inactivity_crossing
from crm_analytics.settings import AnalyticsSettings

CENT = Decimal("0.01")


def record_changes(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    before: dict[str, Stored],
    settings: AnalyticsSettings,
    sequence: int,
) -> list[str]:
    changed: list[str] = []
    for row in rows:
        stored = before.get(row["customer_id"], Stored())
        value_class, churn_level = stored.value_class, stored.churn_level
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


def record_inactivity(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    before: dict[str, Stored],
    settings: AnalyticsSettings,
    sequence: int,
) -> list[str]:
    """Sets each row's inactivity mark (before the rows are written) and records a
    ``customer.inactive`` for each crossing; returns who crossed."""
    crossed: list[str] = []
    for row in rows:
        if row["last_order_at"] is None or row["recency_days"] is None:
            continue
        mark, threshold = inactivity_crossing(
            before.get(row["customer_id"], Stored()).inactivity,
            row["last_order_at"],
            row["recency_days"],
            settings.inactivity_thresholds_days,
        )
        row["inactive_since"] = mark.since
        row["inactive_notified_days"] = mark.notified_days
        if threshold is None:
            continue
        crossed.append(row["customer_id"])
        predicted = row["predicted_value"]
        uow.record(
            CustomerInactive(
                customer_id=row["customer_id"],
                days_inactive=row["recency_days"],
                last_activity_at=row["last_order_at"],
                threshold_days=threshold,
                expected_value=None
                if predicted is None
                else str(Decimal(repr(predicted)).quantize(CENT)),
                horizon_months=None if predicted is None else settings.clv_horizon_months,
                currency=settings.currency,
                sequence=sequence,
                computed_at=row["computed_at"],
            )
        )
    return crossed


def _usual_gap(row: dict[str, Any]) -> float | None:
    frequency = row["clv_frequency"]
    return round(row["clv_recency"] / frequency, 1) if frequency > 0 else None
