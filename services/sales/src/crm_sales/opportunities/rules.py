"""The rules of an opportunity's stages and numbers, as pure functions.

- Probability: each stage's from the settings (DOMAIN.md §3); a rep may override it on one
  opportunity with a reason; a stage move resets it to the new stage's default (as
  Salesforce does: a new stage is a new estimate), and the history says so.
- Weighted amount: amount x probability, to the cent (half up).
- Moves: any open stage to any open stage (forward or back: a deal can slip); ``lost``
  needs a loss reason; a closed opportunity (won or lost) moves only when reopened
  explicitly, to an open stage, with a reason (recorded in the history); won and lost never
  swap directly (reopen first, so the history shows what happened).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from crm_shared.contracts.sales import CLOSED_STAGES, OPEN_STAGES, OpportunityStage
from crm_shared.errors import InvalidError

CENT = Decimal("0.01")
# Every stage in pipeline order, the closing ones last.
STAGE_ORDER: tuple[OpportunityStage, ...] = (*OPEN_STAGES, *CLOSED_STAGES)
# The history's reason for the reset of an override by a stage move.
OVERRIDE_RESET = "probability override reset to the stage's default by the stage change"


def is_open(stage: str) -> bool:
    return stage in OPEN_STAGES


def stage_probability(
    stage: OpportunityStage, probabilities: Mapping[OpportunityStage, float]
) -> float:
    """The stage's default win probability (the settings always name every stage)."""
    return probabilities[stage]


def weighted_amount(amount: Decimal, probability: float) -> Decimal:
    """amount x probability, to the cent. The probability goes through its shortest decimal
    text (0.1 is 0.1, not the binary float's 0.1000000000000000055...)."""
    return (amount * Decimal(repr(probability))).quantize(CENT, rounding=ROUND_HALF_UP)


# The problem type of a move or an override the rules refuse (422).
REFUSED_MOVE = "stage-move-refused"


def refused(message: str, field: str = "stage") -> InvalidError:
    """A move the rules refuse; ``field`` names the body field at fault."""
    return InvalidError(message, location=f"body.{field}", code=REFUSED_MOVE)


def check_move(
    current: OpportunityStage,
    target: OpportunityStage,
    *,
    loss_reason: str | None,
    reason: str | None,
) -> None:
    """Raise a 422 (:func:`refused`) for a move the rules refuse (see the module)."""
    if current in CLOSED_STAGES and target in CLOSED_STAGES:
        raise refused(
            f"the opportunity is {current.value}; reopen it first (move it to an open stage "
            "with a stage_reason), then close it again"
        )
    if current in CLOSED_STAGES and not reason:
        raise refused(
            f"the opportunity is {current.value}: reopening it needs a stage_reason",
            field="stage_reason",
        )
    if target == OpportunityStage.LOST and not loss_reason:
        raise refused(
            "moving to lost needs a loss_reason (why the deal was lost)", field="loss_reason"
        )


def check_override(stage: OpportunityStage, probability: float, reason: str | None) -> None:
    """A rep's own probability: only on an open opportunity, between 0 and 1, with a reason."""
    if not is_open(stage):
        raise refused(
            f"a {stage.value} opportunity's probability is fixed; reopen it to estimate again",
            field="probability",
        )
    if not 0 <= probability <= 1:
        raise refused("probability must be between 0 and 1", field="probability")
    if not reason:
        raise refused(
            "overriding the stage's probability needs a probability_reason",
            field="probability_reason",
        )


@dataclass(frozen=True)
class StageVisit:
    """A stay in a stage, from the history: entered at ``since``, left at ``until`` (None:
    it is the current stage)."""

    stage: str
    since: datetime
    until: datetime | None


def seconds_in(visit: StageVisit, now: datetime) -> float | None:
    """How long the stay lasted; the current stay of an open opportunity runs by the clock,
    a closed one's (won, lost) does not count (the deal no longer moves)."""
    if visit.until is not None:
        return max((visit.until - visit.since).total_seconds(), 0.0)
    if not is_open(visit.stage):
        return None
    return max((now - visit.since).total_seconds(), 0.0)


def visits_of(changes: Sequence[tuple[str, datetime]]) -> list[StageVisit]:
    """The stays, from the (to_stage, changed_at) of each history row, in order."""
    visits = []
    for index, (stage, since) in enumerate(changes):
        until = changes[index + 1][1] if index + 1 < len(changes) else None
        visits.append(StageVisit(stage, since, until))
    return visits


def total_seconds_per_stage(visits: Sequence[StageVisit], now: datetime) -> dict[str, float]:
    """Time in each stage over every stay (a deal may come back to a stage), stage order."""
    totals: dict[str, float] = {}
    for visit in visits:
        seconds = seconds_in(visit, now)
        if seconds is not None:
            totals[visit.stage] = totals.get(visit.stage, 0.0) + seconds
    rank = {stage.value: index for index, stage in enumerate(STAGE_ORDER)}
    return dict(sorted(totals.items(), key=lambda item: rank.get(item[0], len(rank))))
