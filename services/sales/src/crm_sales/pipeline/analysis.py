"""Pipeline analysis, as pure functions over the aggregates the repository returns.

- **Conversion per stage** (the funnel contact → ... → negotiation → won): of the
  opportunities that passed through stage N, the share that also reached N+1. An
  opportunity passed through every stage from the one it opened at up to the furthest it
  reached (a deal opened at proposal never passed through contact; one that skipped
  needs analysis on its way to quote passed through it, as CRMs' funnels count it). Lost
  is no step of the funnel: a lost deal stops at the furthest stage it reached.
- **Average days per stage**: over the completed stays in it (the history's time in the
  stage left); a stay still running does not count yet.
- **Cycle time**: creation to close, averaged over the closed opportunities.
- **Win rate**: won / (won + lost).
- **Loss reasons** ranked by count, then amount; **competitors** with their wins, losses
  and win rate (DOMAIN.md §3).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage

# The funnel's steps, by rank (the repository maps stages to these ranks in SQL).
FUNNEL: tuple[OpportunityStage, ...] = (*OPEN_STAGES, OpportunityStage.WON)
DAY = 86_400.0
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Span:
    """``count`` opportunities that opened at funnel rank ``first`` and got to ``furthest``."""

    first: int
    furthest: int
    count: int


@dataclass(frozen=True)
class Conversion:
    from_stage: OpportunityStage
    to_stage: OpportunityStage
    reached: int  # passed through from_stage
    advanced: int  # of those, reached to_stage
    rate: float | None  # None: nobody reached from_stage


def conversion_rates(spans: Iterable[Span]) -> list[Conversion]:
    spans = list(spans)

    def passed(rank: int) -> int:
        return sum(span.count for span in spans if span.first <= rank <= span.furthest)

    def passed_both(rank: int) -> int:
        return sum(span.count for span in spans if span.first <= rank and span.furthest > rank)

    conversions = []
    for rank in range(len(FUNNEL) - 1):
        reached, advanced = passed(rank), passed_both(rank)
        conversions.append(
            Conversion(FUNNEL[rank], FUNNEL[rank + 1], reached, advanced, ratio(advanced, reached))
        )
    return conversions


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class StageDays:
    stage: OpportunityStage
    average_days: float | None
    stays: int


def average_days(totals: dict[str, tuple[float, int]]) -> list[StageDays]:
    """``{stage: (seconds in it over every completed stay, stays)}`` as days per stay, for
    every open stage in order."""
    result = []
    for stage in OPEN_STAGES:
        seconds, stays = totals.get(stage.value, (0.0, 0))
        result.append(StageDays(stage, round(seconds / stays / DAY, 2) if stays else None, stays))
    return result


def cycle_days(total_seconds: float, closed: int) -> float | None:
    """The average creation-to-close time in days (the history's stays of each closed
    opportunity add up to it)."""
    return round(total_seconds / closed / DAY, 2) if closed else None


@dataclass(frozen=True)
class Outcome:
    won: int
    lost: int
    won_amount: Decimal
    lost_amount: Decimal

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)


@dataclass(frozen=True)
class LossReason:
    reason: str
    count: int
    amount: Decimal


def ranked_reasons(reasons: Iterable[LossReason], limit: int) -> list[LossReason]:
    """Most frequent first; among equals the bigger amount lost, then by name."""
    return sorted(reasons, key=lambda r: (-r.count, -r.amount, r.reason))[:limit]


@dataclass(frozen=True)
class CompetitorOutcome:
    competitor: str
    outcome: Outcome


def by_competitor(rows: Iterable[tuple[str, str, int, Decimal]]) -> list[CompetitorOutcome]:
    """``(competitor, stage won/lost, count, amount)`` rows as one outcome per competitor,
    the most contested (won + lost) first."""
    tally: dict[str, dict[str, tuple[int, Decimal]]] = {}
    for competitor, stage, count, amount in rows:
        tally.setdefault(competitor, {})[stage] = (count, amount)
    outcomes = [
        CompetitorOutcome(
            name,
            Outcome(
                won=stages.get("won", (0, ZERO))[0],
                lost=stages.get("lost", (0, ZERO))[0],
                won_amount=stages.get("won", (0, ZERO))[1],
                lost_amount=stages.get("lost", (0, ZERO))[1],
            ),
        )
        for name, stages in tally.items()
    ]
    return sorted(outcomes, key=lambda c: (-(c.outcome.won + c.outcome.lost), c.competitor))
