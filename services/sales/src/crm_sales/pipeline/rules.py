"""The pipeline's and the forecast's rules, as pure functions over rows the repository
aggregated: the stage table (every open stage, in order, zero rows included), forecast
periods (a month ``2026-12`` or a quarter ``2026-Q4``) and the forecast's categories:

- **weighted**: Σ amount x probability of the open opportunities expected to close in it;
- **best case**: Σ amount of every open one expected to close in it;
- **committed**: Σ amount of the open ones at the committed stage or later (negotiation by
  default, ``CRM_SALES_FORECAST_COMMITTED_FROM``) expected to close in it;
- **closed won**: Σ amount of those won (``closed_at``) in it.

An open opportunity without an expected close date belongs to no period.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage

ZERO = Decimal("0.00")
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
_QUARTER = re.compile(r"(?P<year>\d{4})-[Qq](?P<quarter>[1-4])")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in days; the instants are UTC midnights."""

    label: str
    start: date
    end: date  # the first day after the period

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), UTC)


def _month_start(year: int, month: int) -> date:
    """The first of ``month`` (13 is January of the next year)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY-Qn``; ValueError for anything else."""
    value = text.strip()
    if match := _MONTH.fullmatch(value):
        year, month = int(match["year"]), int(match["month"])
        if not 1 <= month <= 12 or year < 1:
            raise ValueError(f"no month {value!r}")
        return Period(value, _month_start(year, month), _month_start(year, month + 1))
    if match := _QUARTER.fullmatch(value):
        year, quarter = int(match["year"]), int(match["quarter"])
        if year < 1:
            raise ValueError(f"no quarter {value!r}")
        first = 3 * (quarter - 1) + 1
        label = f"{year:04d}-Q{quarter}"
        return Period(label, _month_start(year, first), _month_start(year, first + 3))
    raise ValueError(
        f"a period is a month such as 2026-12 or a quarter such as 2026-Q4, not {value!r}"
    )


def committed_stages(committed_from: OpportunityStage) -> tuple[OpportunityStage, ...]:
    """The open stages that count as committed: ``committed_from`` and those after it."""
    return OPEN_STAGES[OPEN_STAGES.index(committed_from) :]


@dataclass(frozen=True)
class StageTotal:
    stage: OpportunityStage
    count: int = 0
    amount: Decimal = ZERO
    weighted_amount: Decimal = ZERO


def pipeline_table(rows: Mapping[str, StageTotal]) -> list[StageTotal]:
    """Every open stage in pipeline order; a stage with no opportunity is a zero row."""
    return [rows.get(stage.value, StageTotal(stage)) for stage in OPEN_STAGES]


def weighted_total(stages: Iterable[StageTotal]) -> Decimal:
    return sum((stage.weighted_amount for stage in stages), ZERO)


@dataclass
class ForecastLine:
    """One group's forecast (an owner, a team, or everything)."""

    key: str | None
    weighted: Decimal = ZERO
    best_case: Decimal = ZERO
    committed: Decimal = ZERO
    closed_won: Decimal = ZERO
    open_count: int = 0
    committed_count: int = 0
    won_count: int = 0


def forecast_total(lines: Iterable[ForecastLine]) -> ForecastLine:
    """The sum over every group."""
    total = ForecastLine(None)
    for line in lines:
        total.weighted += line.weighted
        total.best_case += line.best_case
        total.committed += line.committed
        total.closed_won += line.closed_won
        total.open_count += line.open_count
        total.committed_count += line.committed_count
        total.won_count += line.won_count
    return total


def sorted_lines(lines: Iterable[ForecastLine]) -> list[ForecastLine]:
    """Biggest weighted forecast first; the group without a key (no owner, no team) last."""
    return sorted(lines, key=lambda line: (line.key is None, -line.weighted, line.key or ""))
