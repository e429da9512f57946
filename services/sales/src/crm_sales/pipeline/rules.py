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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage
from crm_shared.periods import PeriodForm

ZERO = Decimal("0.00")


FORECAST_PERIODS = (PeriodForm.MONTH, PeriodForm.QUARTER)


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
