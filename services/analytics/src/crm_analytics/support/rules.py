"""Survey figures, as pure functions: the mean score and satisfaction (C = perceived /
expected, DOMAIN.md §4) of a questionnaire's answers."""

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PLACES = Decimal("0.01")

Answer = Mapping[str, Any]  # {"item", "score", "expected"}


def mean_score(answers: Sequence[Answer]) -> Decimal | None:
    if not answers:
        return None
    return Decimal(sum(int(a["score"]) for a in answers)) / len(answers)


def satisfaction(answer: Answer) -> Decimal | None:
    """C = score / expected; None where no expectation was asked."""
    expected = answer.get("expected")
    return Decimal(int(answer["score"])) / int(expected) if expected else None


def mean_satisfaction(answers: Sequence[Answer]) -> Decimal | None:
    """The mean C over the items that asked for an expectation."""
    values = [c for c in map(satisfaction, answers) if c is not None]
    return sum(values, Decimal(0)) / len(values) if values else None


def rounded(value: Decimal | None) -> Decimal | None:
    return Decimal(value).quantize(PLACES, ROUND_HALF_UP) if value is not None else None
