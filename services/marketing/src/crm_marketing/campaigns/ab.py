"""A/B tests (pure): two or more message variants go to random, equal parts of a test share of
the audience; after the decision time the variant with the best rate on the chosen metric
wins, and the rest of the audience gets the winner."""

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Metric(StrEnum):
    OPENED = "opened"
    CLICKED = "clicked"
    RESPONDED = "responded"


@dataclass(frozen=True)
class Split:
    tested: dict[str, list[str]]  # variant -> its customers
    held: list[str]  # the rest, who get the winner


def split(customer_ids: Sequence[str], variants: Sequence[str], share: float, seed: str) -> Split:
    """A random ``share`` of the audience (at least one member per variant when there are
    enough) in equal parts, reproducible from ``seed`` (the campaign id)."""
    shuffled = sorted(customer_ids)
    random.Random(seed).shuffle(shuffled)
    size = min(len(shuffled), max(math.ceil(len(shuffled) * share), len(variants)))
    tested: dict[str, list[str]] = {name: [] for name in variants}
    for position, customer_id in enumerate(shuffled[:size]):
        tested[variants[position % len(variants)]].append(customer_id)
    return Split(tested, shuffled[size:])


@dataclass(frozen=True)
class VariantFigures:
    delivered: int
    hits: int  # of the metric

    @property
    def rate(self) -> float:
        return self.hits / self.delivered if self.delivered else 0.0


def winner(figures: Mapping[str, VariantFigures], order: Sequence[str]) -> str:
    """The best rate; a tie goes to the variant that reached more, then to the first."""
    return max(
        order,
        key=lambda name: (
            figures[name].rate if name in figures else 0.0,
            figures[name].delivered if name in figures else 0,
            -order.index(name),
        ),
    )
