"""The follow-up questionnaire's rules: which answers are acceptable, what satisfaction an
item shows, and when the customer is dissatisfied (which opens a complaint)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from crm_shared.contracts.support import TicketStatus

SCORES = range(1, 6)
# A ticket can be followed up once it is resolved (and still after, until it is closed).
ANSWERABLE = frozenset({TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP_DONE, TicketStatus.CLOSED})


@dataclass(frozen=True)
class Answer:
    item: str
    score: int  # perceived, 1-5
    expected: int | None = None  # 1-5 where asked


def problems_with(answers: Sequence[Answer], items: Sequence[str]) -> list[str]:
    """What is wrong with ``answers`` to the questionnaire of ``items`` (empty: acceptable).
    Not every item need be answered, but at least one; each at most once."""
    if not answers:
        return ["answer at least one item"]
    found = []
    unknown = sorted({answer.item for answer in answers} - set(items))
    if unknown:
        found.append(
            f"not items of the current questionnaire: {', '.join(unknown)} "
            f"(the items are {', '.join(items)})"
        )
    repeated = sorted(item for item, count in Counter(a.item for a in answers).items() if count > 1)
    if repeated:
        found.append(f"answered more than once: {', '.join(repeated)}")
    for answer in answers:
        if answer.score not in SCORES or (
            answer.expected is not None and answer.expected not in SCORES
        ):
            found.append(f"{answer.item}: scores go from 1 to 5")
    return found


def satisfaction(answer: Answer) -> float | None:
    """C = perceived / expected (above 1: better than expected), where an expectation was
    given."""
    if answer.expected is None:
        return None
    return round(answer.score / answer.expected, 3)


def is_dissatisfied(answers: Sequence[Answer], threshold: int) -> bool:
    """A score at or under ``threshold`` on any item, "problem fixed" included: the customer
    is dissatisfied."""
    return any(answer.score <= threshold for answer in answers)


def may_be_answered(status: str) -> bool:
    return status in ANSWERABLE
