"""The pure arithmetic of the analytical reports.

- **Periods** (``crm_shared.periods``): a month ``2026-12`` or a quarter ``2026-Q4`` (UTC
  midnights), as a half-open range ``[start, end)``; the snapshot reports (RFM, ABC, best
  customers, churn risk) read the scores of the last run and take no period.
- **Shares** are fractions (0-1), None when the whole is zero (no 0/0).
- **Pareto curve**: customers ranked by value, highest first; the point at ``k`` % of the
  customers is the share of all value the first ``ceil(k / 100 * n)`` customers hold (so
  the curve is exact at every percentile and has at most 100 points, plus the origin).
- **Money** is summed per currency and never across currencies.
- **Spend bands** (composition): a customer's spend over the period falls in the first band
  whose upper edge it is below; the edges are the setting ``reports_spend_bands``
  (default 100, 250, 500: ``< 100``, ``100-250``, ``250-500``, ``>= 500``).
- **Age bands**: whole years at the period's last day, in bands of ten (``<20`` ... ``70+``),
  ``unknown`` without a birth date.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from crm_shared.periods import PeriodForm, forms_text

REPORT_PERIODS = (PeriodForm.MONTH, PeriodForm.QUARTER)
PERIOD_FORMS = forms_text(REPORT_PERIODS)
CENT = Decimal("0.01")
PARETO_POINTS = 100
AGE_BAND_EDGES = (20, 30, 40, 50, 60, 70)


def money(amount: Decimal | float | int | None) -> Decimal:
    """A sum as the database gave it (Decimal, or float on SQLite), to the cent."""
    return Decimal(str(amount or 0)).quantize(CENT)


def share(part: float | Decimal | int, whole: float | Decimal | int) -> float | None:
    return float(part) / float(whole) if whole else None


def mean(total: float | Decimal | int | None, count: int) -> float | None:
    return float(total) / count if count and total is not None else None


@dataclass
class Tally:
    """Customers and their summed monetary total (of an RFM cell or segment), and how many
    of them are in each named segment."""

    customers: int = 0
    total: Decimal = Decimal(0)
    segments: dict[str, int] = field(default_factory=dict)

    def add(self, customers: int, total: Decimal, segment: str | None) -> None:
        self.customers += customers
        self.total += total
        if segment is not None:
            self.segments[segment] = self.segments.get(segment, 0) + customers

    def mean(self) -> Decimal | None:
        return money(self.total / self.customers) if self.customers else None


@dataclass(frozen=True)
class ParetoPoint:
    customers_share: float
    value_share: float


def pareto_ranks(count: int) -> list[int]:
    """The ranks (1-based, customers by value, highest first) the curve has a point at: the
    last customer of each percentile."""
    return sorted({math.ceil(k / PARETO_POINTS * count) for k in range(1, PARETO_POINTS + 1)})


def pareto_curve(count: int, total: Decimal, cumulative: dict[int, Decimal]) -> list[ParetoPoint]:
    """The origin, then for each of ``pareto_ranks(count)`` the share of the customers and
    the share of all value (``total``) the customers up to that rank hold (``cumulative``)."""
    if count == 0:
        return []
    points = [ParetoPoint(0.0, 0.0)]
    for rank in pareto_ranks(count):
        held = cumulative.get(rank, Decimal(0))
        points.append(ParetoPoint(rank / count, float(held / total) if total else 0.0))
    return points


def spend_band(spend: Decimal, edges: Sequence[Decimal]) -> str:
    """The band label of a period's spend: ``<100``, ``100-250``, ``250-500``, ``>=500``."""
    lower: Decimal | None = None
    for edge in edges:
        if spend < edge:
            return f"<{edge}" if lower is None else f"{lower}-{edge}"
        lower = edge
    return f">={lower}"


def spend_bands(edges: Sequence[Decimal]) -> list[str]:
    """Every band's label, lowest first."""
    labels = [f"<{edges[0]}"] if edges else []
    labels += [f"{low}-{high}" for low, high in itertools.pairwise(edges)]
    return [*labels, f">={edges[-1]}"] if edges else [">=0"]


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29th that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_cutoffs(on: date) -> list[tuple[str, date]]:
    """Each age band but the oldest, youngest first, with the earliest birth date in it on
    ``on`` (someone born on a cutoff has just had that birthday): a birth date after the
    first cutoff is in the first band, and so on; on or before the last, the oldest band."""
    edges = (0, *AGE_BAND_EDGES)
    labels = [f"<{AGE_BAND_EDGES[0]}"]
    labels += [f"{low}-{high - 1}" for low, high in itertools.pairwise(AGE_BAND_EDGES)]
    return [(label, years_before(on, edge)) for label, edge in zip(labels, edges[1:], strict=True)]


OLDEST_AGE_BAND = f"{AGE_BAND_EDGES[-1]}+"
UNKNOWN = "unknown"


def age_band(birth: date | None, on: date) -> str:
    """The band of a birth date on ``on`` (what the report's SQL computes in bulk)."""
    if birth is None:
        return UNKNOWN
    for label, earliest in age_cutoffs(on):
        if birth > earliest:
            return label
    return OLDEST_AGE_BAND
