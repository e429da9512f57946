"""The pure arithmetic of the complaint statistics.

- **Periods**: an ISO week ``2026-W49`` (Monday to Monday) or a month ``2026-12``, from
  midnight to midnight in a time zone (UTC unless asked), as a half-open UTC range
  ``[start, end)``.
- **Percentiles** by the nearest rank: the p-th percentile of n sorted values is the value
  at rank ``ceil(p / 100 * n)`` (1-based), always one of the values; so the median of an
  even count is the lower of the two middle ones.
- **Rates** are fractions (0-1), None when nothing was counted (no 0/0).
- **Satisfaction** of an answer: C = score / expected (> 1 exceeded the expectation, 1 met,
  < 1 dissatisfied), for the answers that give the expectation; a department's strongest and
  weakest items are those of highest and lowest mean score (ties: by the item's name).
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIOD_FORMS = "an ISO week such as 2026-W49 or a month such as 2026-12"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    tz: str


def parse_period(text: str, tz: str = "UTC") -> Period:
    """The week or month ``text`` names, in the time zone ``tz``; ValueError otherwise."""
    value = text.strip().upper()
    zone = time_zone(tz)
    try:
        first, after = _bounds(value)
        return Period(value, _midnight(first, zone), _midnight(after, zone), tz)
    except (ValueError, OverflowError):  # no such week or month, or past year 9999
        raise ValueError(f"a period is {PERIOD_FORMS}, not {text!r}") from None


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``); ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"no time zone {name!r}: an IANA name such as Europe/Berlin") from None


def _bounds(value: str) -> tuple[date, date]:
    """The first day of the week or month and the first day after it."""
    if week := _WEEK.match(value):
        first = date.fromisocalendar(int(week[1]), int(week[2]), 1)
        return first, first + timedelta(days=7)
    if month := _MONTH.match(value):
        year, number = int(month[1]), int(month[2])
        return date(year, number, 1), date(year + number // 12, number % 12 + 1, 1)
    raise ValueError(value)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


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
