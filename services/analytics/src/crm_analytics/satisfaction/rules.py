"""Satisfaction arithmetic (pure), DOMAIN.md §6.

- Per answer, **C = score / expected** (perceived performance over expectation, both 1-5):
  C > 1 exceeded the expectation, C = 1 met it, C < 1 dissatisfied. An answer without an
  expectation has no C: it counts in the answers and the mean score, not in the mean C nor
  in the exceeded / met / dissatisfied shares (those are of the answers that have a C).
- **Expected one-year retention** by score (``csi_retention_by_score``, DOMAIN.md: 5 → 92-97 %,
  4 → 80-85 %, 3 → 60-65 %, 2 → 15-20 %, 1 → 0-5 %): a group's is the mean over its
  answers of each score's range, low and high bounds apart.
- Means and shares are rounded to 4 decimals; None when there is nothing to measure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PLACES = 4


@dataclass(frozen=True)
class Answer:
    department: str | None
    item: str
    score: int
    expected: int | None


@dataclass(frozen=True)
class Figures:
    answers: int
    mean_score: float | None
    answers_with_expectation: int
    mean_satisfaction: float | None  # mean C
    exceeded_percent: float | None
    met_percent: float | None
    dissatisfied_percent: float | None
    expected_retention_low_percent: float | None
    expected_retention_high_percent: float | None


def satisfaction(score: int, expected: int | None) -> float | None:
    """C = score / expected; None without an expectation."""
    return score / expected if expected else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), PLACES) if values else None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, PLACES) if whole else None


def figures(answers: Sequence[Answer], retention: Mapping[int, tuple[float, float]]) -> Figures:
    ratios = [c for a in answers if (c := satisfaction(a.score, a.expected)) is not None]
    ranges = [retention[a.score] for a in answers if a.score in retention]
    return Figures(
        answers=len(answers),
        mean_score=_mean([a.score for a in answers]),
        answers_with_expectation=len(ratios),
        mean_satisfaction=_mean(ratios),
        exceeded_percent=_percent(sum(c > 1 for c in ratios), len(ratios)),
        met_percent=_percent(sum(c == 1 for c in ratios), len(ratios)),
        dissatisfied_percent=_percent(sum(c < 1 for c in ratios), len(ratios)),
        expected_retention_low_percent=_mean([low for low, _ in ranges]),
        expected_retention_high_percent=_mean([high for _, high in ranges]),
    )


def answers_of(department: str | None, stored: Sequence[Mapping[str, Any]]) -> list[Answer]:
    """A survey's answers as stored (``[{"item", "score", "expected"}]``)."""
    return [
        Answer(
            department,
            str(answer["item"]),
            int(answer["score"]),
            None if answer.get("expected") is None else int(answer["expected"]),
        )
        for answer in stored
    ]
