"""The pure arithmetic of the complaint statistics.

- **Periods** (``crm_shared.periods``): an ISO week ``2026-W49`` (Monday to Monday) or a
  month ``2026-12``, from midnight to midnight in a time zone (UTC unless asked), as a
  half-open UTC range ``[start, end)``.
- **Percentiles** by the nearest rank: the p-th percentile of n sorted values is the value
  at rank ``ceil(p / 100 * n)`` (1-based), always one of the values; so the median of an
  even count is the lower of the two middle ones.
- **Rates** are fractions (0-1), None when nothing was counted (no 0/0).
- **Satisfaction** of an answer: C = score / expected (> 1 exceeded the expectation, 1 met,
  < 1 dissatisfied), for the answers that give the expectation; a department's strongest and
  weakest items are those of highest and lowest mean score (ties: by the item's name).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_shared.periods import PeriodForm, forms_text

REPORT_PERIODS = (PeriodForm.WEEK, PeriodForm.MONTH)
PERIOD_FORMS = forms_text(REPORT_PERIODS)
CENT = Decimal("0.01")


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ``values``; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Durations:
    count: int
    median_seconds: float | None
    p90_seconds: float | None


def durations(seconds: Sequence[float]) -> Durations:
    return Durations(len(seconds), percentile(seconds, 50), percentile(seconds, 90))


def seconds_between(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def money(amount: Decimal | float | int | None) -> Decimal:
    """A sum as the database gave it (Decimal, or float on SQLite), to the cent."""
    return Decimal(str(amount or 0)).quantize(CENT)


def mean(total: float | int | None, count: int) -> float | None:
    return float(total) / count if count and total is not None else None


@dataclass(frozen=True)
class ItemScore:
    item: str
    answers: int
    mean_score: float | None
    mean_satisfaction: float | None  # mean C over the answers that gave the expectation


def strongest_and_weakest(items: Iterable[ItemScore]) -> tuple[str | None, str | None]:
    """The items of highest and lowest mean score (ties broken by name, for a stable
    answer); the same item when there is one."""
    scored = sorted(
        (item for item in items if item.mean_score is not None),
        key=lambda item: (-(item.mean_score or 0.0), item.item),
    )
    if not scored:
        return None, None
    weakest = min(scored, key=lambda item: (item.mean_score or 0.0, item.item))
    return scored[0].item, weakest.item
