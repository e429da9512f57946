"""Association rules over orders (bought X → also bought Y) and the suggestions ranked from
them: pure functions, no I/O.

For the products X and Y over N orders (cancelled ones left out):
support = orders with both / N; confidence = orders with both / orders with X;
lift = confidence / (orders with Y / N), how much likelier Y is in an order with X than in
any order. A customer is suggested the products they never bought, each from the product
they did buy that recommends it best (lift * confidence).
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairCount:
    antecedent: str
    consequent: str
    orders_with_both: int


@dataclass(frozen=True)
class Rule:
    antecedent: str
    consequent: str
    orders_with_both: int
    support: float
    confidence: float
    lift: float

    @property
    def score(self) -> float:
        return self.lift * self.confidence


@dataclass(frozen=True)
class Suggestion:
    product: str
    because_of: str
    support: float
    confidence: float
    lift: float
    score: float
    reason: str


def min_orders_with_both(total_orders: int, min_support: float) -> int:
    """The fewest orders with both products that reach ``min_support`` (at least 1)."""
    return max(1, math.ceil(total_orders * min_support - 1e-9))


def association_rules(
    pairs: Iterable[PairCount],
    orders_with: Mapping[str, int],
    total_orders: int,
    *,
    min_support: float,
    min_confidence: float,
) -> list[Rule]:
    """The rules of ``pairs`` (both directions are separate pairs) that reach both minimums."""
    if total_orders <= 0:
        return []
    rules = []
    for pair in pairs:
        support = pair.orders_with_both / total_orders
        confidence = pair.orders_with_both / orders_with[pair.antecedent]
        if support < min_support or confidence < min_confidence:
            continue
        lift = confidence / (orders_with[pair.consequent] / total_orders)
        rules.append(
            Rule(pair.antecedent, pair.consequent, pair.orders_with_both, support, confidence, lift)
        )
    return rules


def reason(rule: Rule) -> str:
    return (
        f"in {round(rule.confidence * 100)} % of the orders with {rule.antecedent}, "
        f"{rule.lift:.1f} times as likely as in any order"
    )


def suggestions(bought: set[str], rules: Iterable[Rule], limit: int) -> list[Suggestion]:
    """The products not in ``bought`` that the rules from ``bought`` lead to, best first
    (lift * confidence; ties by product name), each from its best rule."""
    best: dict[str, Rule] = {}
    for rule in rules:
        if rule.antecedent not in bought or rule.consequent in bought:
            continue
        held = best.get(rule.consequent)
        if held is None or (rule.score, held.antecedent) > (held.score, rule.antecedent):
            best[rule.consequent] = rule
    ranked = sorted(best.values(), key=lambda rule: (-rule.score, rule.consequent))
    return [
        Suggestion(
            product=rule.consequent,
            because_of=rule.antecedent,
            support=rule.support,
            confidence=rule.confidence,
            lift=rule.lift,
            score=rule.score,
            reason=reason(rule),
        )
        for rule in ranked[:limit]
    ]
