"""The scoring rules of DOMAIN.md §6 over arrays of every customer at once (no I/O).

**RFM.** Recency (days since the last purchase), frequency (purchases) and monetary (total
spend) are each scored 1-5 against the quintile edges of the active customer base (the
20th, 40th, 60th and 80th percentiles, numpy's linear interpolation). For frequency and
monetary a score is 1 plus the number of edges the value is above; for recency (recent is
better) 5 minus the number of edges it is above. Equal values always get the same score,
however many customers share them: a base where most customers bought once scores them all
F = 1 rather than splitting them at random, and a customer who bought today is R = 5 even
in a base where everyone did.

**Named segments** come from R and F by the grid :data:`SEGMENT_GRID` (the widely used map
of RxF; M is reported beside, not mixed in).

**ABC.** Customers ranked by value over the window: the top ``shares[0]`` of them are A, the
next ``shares[1]`` B, the rest C (with a third share, the ABCD variant: C, then D for the
rest). The cut is a value threshold, so customers of equal value share a class; a customer
without value in the window is in the last class.

**Churn risk** adds weighted components in 0-1 (inactivity against the customer's own
rhythm, falling frequency, falling spend, complaints, low satisfaction), each with a reason
in words when it counts; the levels are cuts on the sum.

**Inactivity.** A customer crosses a threshold (days without a purchase) once per inactive
spell, the spell named by its last purchase: :func:`inactivity_crossing` keeps the highest
threshold already published for the spell, so a replayed run or one as of an earlier day
publishes nothing again, and a new purchase starts over.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

QUINTILES = (20, 40, 60, 80)

# SEGMENT_GRID[r - 1][f - 1]
SEGMENT_GRID: tuple[tuple[str, ...], ...] = (
    ("lost", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "needs_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)
SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "needs_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)


def quintile_edges(values: Floats) -> list[float]:
    """The four edges of a base (empty base: no edges, everyone scores 3)."""
    if values.size == 0:
        return []
    return [float(edge) for edge in np.percentile(values, QUINTILES)]


def higher_is_better(values: Floats, edges: Sequence[float]) -> Ints:
    if not edges:
        return np.full(values.shape, 3, dtype=np.int64)
    return 1 + np.searchsorted(np.asarray(edges), values, side="left").astype(np.int64)


def lower_is_better(values: Floats, edges: Sequence[float]) -> Ints:
    if not edges:
        return np.full(values.shape, 3, dtype=np.int64)
    below = np.searchsorted(np.asarray(edges), values, side="left")
    return (len(edges) + 1 - below).astype(np.int64)


def segments(r: Ints, f: Ints) -> list[str]:
    grid = np.asarray(SEGMENT_GRID, dtype=object)
    return list(grid[r - 1, f - 1])


# --- ABC and the value class -----------------------------------------------------------


def abc_thresholds(values: Floats, shares: Sequence[float]) -> list[float | None]:
    """The lowest value of each class but the last, from the ranking of ``values`` (the
    customers with value); None for a class that holds nobody (no one reaches it)."""
    ranked = np.sort(values[values > 0])[::-1]
    thresholds: list[float | None] = []
    position = 0.0
    for share in shares:
        position += share * ranked.size
        index = int(np.ceil(position)) - 1
        thresholds.append(float(ranked[index]) if ranked.size and index >= 0 else None)
    return thresholds


def abc_classes(values: Floats, thresholds: Sequence[float | None]) -> list[str]:
    """A, B, C (and D with three thresholds) by value against the thresholds."""
    names = np.asarray(["A", "B", "C", "D"][: len(thresholds) + 1], dtype=object)
    # Number of thresholds the value falls below = index of the class.
    below = np.zeros(values.shape, dtype=np.int64)
    for threshold in thresholds:
        reached = values >= threshold if threshold is not None else np.zeros(values.shape, bool)
        below += ~reached | (values <= 0)
    return list(names[np.minimum(below, len(thresholds))])


def value_classes(abc: Sequence[str], vip: npt.NDArray[np.bool_]) -> list[str]:
    return ["VIP" if is_vip else klass for klass, is_vip in zip(abc, vip, strict=True)]


# --- the CLV worksheet ---------------------------------------------------------------


def worksheet_value(
    monetary_total: Floats, orders: Floats, tenure_days: Floats, expected_years: float
) -> Floats:
    """Average spend per purchase x purchases per year x expected years; a customer's first
    year counts as a whole year, so a new customer's one order is not annualised upwards."""
    years = np.maximum(tenure_days / 365.0, 1.0)
    average = np.divide(monetary_total, orders, out=np.zeros_like(monetary_total), where=orders > 0)
    return average * (orders / years) * expected_years


# --- churn risk ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnInputs:
    """Per customer, aligned: days since the last purchase (NaN: never bought), the usual
    gap between purchases (NaN: fewer than two purchase days), orders and spend in the last
    trend window and in the one before, open complaints, breaches in the last year, the
    mean score of the last survey (NaN: none)."""

    days_inactive: Floats
    usual_gap_days: Floats
    orders_recent: Floats
    orders_before: Floats
    spend_recent: Floats
    spend_before: Floats
    open_complaints: Floats
    breaches: Floats
    satisfaction: Floats


@dataclass(frozen=True)
class ChurnWeights:
    inactive: float = 0.4
    frequency_falling: float = 0.15
    spend_falling: float = 0.15
    complaints: float = 0.2
    satisfaction: float = 0.1
    default_gap_days: float = 90.0  # the rhythm of a customer who bought on one day only
    medium: float = 0.3
    high: float = 0.6


@dataclass(frozen=True)
class ChurnRisk:
    score: Floats
    level: list[str]
    reasons: list[list[dict[str, object]]]


def churn_risk(inputs: ChurnInputs, weights: ChurnWeights) -> ChurnRisk:
    gap = np.where(np.isnan(inputs.usual_gap_days), weights.default_gap_days, inputs.usual_gap_days)
    gap = np.maximum(gap, 1.0)
    ratio = np.nan_to_num(inputs.days_inactive / gap, nan=0.0)
    inactive = np.clip((ratio - 1.0) / 2.0, 0.0, 1.0)
    frequency = _falling(inputs.orders_recent, inputs.orders_before)
    spend = _falling(inputs.spend_recent, inputs.spend_before)
    complaints = np.clip(
        np.minimum(inputs.open_complaints, 1) * 0.6 + np.minimum(inputs.breaches, 1) * 0.4, 0, 1
    )
    unhappy = np.nan_to_num(np.clip((3.5 - inputs.satisfaction) / 2.0, 0.0, 1.0), nan=0.0)
    parts = {
        "inactive": (weights.inactive, inactive),
        "frequency_falling": (weights.frequency_falling, frequency),
        "spend_falling": (weights.spend_falling, spend),
        "complaints": (weights.complaints, complaints),
        "low_satisfaction": (weights.satisfaction, unhappy),
    }
    score = np.clip(sum(weight * part for weight, part in parts.values()), 0.0, 1.0)
    level = np.where(
        score >= weights.high, "high", np.where(score >= weights.medium, "medium", "low")
    )
    reasons = _reasons(inputs, gap, ratio, parts)
    return ChurnRisk(score=score, level=[str(value) for value in level], reasons=reasons)


def _falling(recent: Floats, before: Floats) -> Floats:
    drop = np.divide(before - recent, before, out=np.zeros_like(before), where=before > 0)
    return np.clip(drop, 0.0, 1.0)


def _reasons(
    inputs: ChurnInputs, gap: Floats, ratio: Floats, parts: dict[str, tuple[float, Floats]]
) -> list[list[dict[str, object]]]:
    """The components that count (at least a quarter of their own scale), heaviest first;
    only customers with one are visited (most have none)."""
    counted = {code: part >= 0.25 for code, (_, part) in parts.items()}
    reasons: list[list[dict[str, object]]] = [[] for _ in range(ratio.size)]
    for i in np.flatnonzero(np.logical_or.reduce(list(counted.values()))):
        lines = [
            {
                "code": code,
                "weight": round(weight * float(part[i]), 4),
                "detail": _detail(code, inputs, gap, ratio, int(i)),
            }
            for code, (weight, part) in parts.items()
            if counted[code][i]
        ]
        reasons[i] = sorted(lines, key=lambda line: -float(str(line["weight"])))
    return reasons


def _detail(code: str, inputs: ChurnInputs, gap: Floats, ratio: Floats, i: int) -> str:
    if code == "inactive":
        return (
            f"no purchase for {int(inputs.days_inactive[i])} days, "
            f"{ratio[i]:.1f}x the usual {gap[i]:.0f}-day gap"
        )
    if code == "frequency_falling":
        return (
            f"{int(inputs.orders_recent[i])} orders in the last period against "
            f"{int(inputs.orders_before[i])} in the one before"
        )
    if code == "spend_falling":
        return f"spend fell to {inputs.spend_recent[i]:.2f} from {inputs.spend_before[i]:.2f}"
    if code == "complaints":
        return (
            f"{int(inputs.open_complaints[i])} open complaint(s), "
            f"{int(inputs.breaches[i])} service target(s) breached in the last year"
        )
    return f"last survey scored {inputs.satisfaction[i]:.1f} of 5"


@dataclass(frozen=True)
class InactivityMark:
    """The highest threshold published for the spell that began at ``since``."""

    since: datetime | None = None
    notified_days: int | None = None


def inactivity_crossing(
    previous: InactivityMark,
    last_activity_at: datetime,
    days_inactive: int,
    thresholds: Sequence[int],
) -> tuple[InactivityMark, int | None]:
    """The mark to store and the threshold just crossed (None: no new crossing). Of several
    thresholds crossed since the last run, only the highest is news."""
    if previous.since is not None and last_activity_at < previous.since:
        return previous, None  # a run as of an earlier day: the newer spell's mark stays
    floor = previous.notified_days if previous.since == last_activity_at else None
    reached = max((days for days in thresholds if days_inactive >= days), default=None)
    if reached is None or (floor is not None and reached <= floor):
        return InactivityMark(last_activity_at, floor), None
    return InactivityMark(last_activity_at, reached), reached
