"""Win-back (DOMAIN.md §5): which stage an inactive customer is at, and what to do. Pure.

3-6 months without a purchase: a reminder SMS; 6-12 months: a call from the owner; more than
12: the recall offer (the windows and the action of each stage are settings). Not for the
customers not worth it: a credit grade or a tag that excludes them (E, malicious arrears), or
an expected value below what winning them back costs (analytics' CLV prediction when it has
one, else their average spend a year from the orders marketing saw); a VIP gets a personal
visit or call from the owner instead. A stage is decided once per spell, never after a later
one.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared.contracts.marketing import WinbackAction, WinbackStage

YEAR = Decimal(365)


@dataclass(frozen=True)
class WinbackPolicy:
    windows: Mapping[WinbackStage, int]  # days without a purchase at which each stage starts
    actions: Mapping[WinbackStage, WinbackAction]
    costs: Mapping[WinbackAction, Decimal]
    excluded_credit_grades: frozenset[str]
    excluded_tags: frozenset[str]
    vip_classes: frozenset[str]
    vip_tag: str
    currency: str


@dataclass(frozen=True)
class Decision:
    action: WinbackAction
    reason: str


def stage_at(days_inactive: int, policy: WinbackPolicy) -> WinbackStage | None:
    reached = [stage for stage in WinbackStage if days_inactive >= policy.windows[stage]]
    return reached[-1] if reached else None


def is_news(stage: WinbackStage, decided: str | None) -> bool:
    """Whether ``stage`` is still to decide in a spell whose latest decided stage is
    ``decided`` (None: none yet): each stage once, and none after a later one."""
    stages = list(WinbackStage)
    return decided is None or stages.index(stage) > stages.index(WinbackStage(decided))


def next_check(last_order_at: datetime, now: datetime, policy: WinbackPolicy) -> datetime | None:
    """When the next stage starts (None: none is left)."""
    for stage in WinbackStage:
        due = last_order_at + timedelta(days=policy.windows[stage])
        if due > now:
            return due
    return None


def yearly_value(spent: Decimal, first_order_at: datetime, last_order_at: datetime) -> Decimal:
    """What the customer spent a year while they bought (a first year counts whole)."""
    days = Decimal(max((last_order_at - first_order_at).days, 365))
    return (spent * YEAR / days).quantize(Decimal("0.01"))


def decide(
    stage: WinbackStage,
    customer: Mapping[str, Any],
    value: Decimal,
    policy: WinbackPolicy,
    per: str = "a year",
) -> Decision:
    """``value`` is what the customer is expected to be worth ``per`` (a year, by default)."""
    credit = customer.get("credit_grade")
    if credit in policy.excluded_credit_grades:
        return Decision(WinbackAction.LET_GO, f"credit grade {credit}")
    tags = set(customer.get("tags") or [])
    excluded = sorted(tags & policy.excluded_tags)
    if excluded:
        return Decision(WinbackAction.LET_GO, f"tagged {', '.join(excluded)}")
    if customer.get("value_class") in policy.vip_classes or policy.vip_tag in tags:
        return Decision(WinbackAction.VIP_VISIT, "a VIP: a personal visit or call by the owner")
    action = policy.actions[stage]
    cost = policy.costs.get(action, Decimal(0))
    money = policy.currency
    if value < cost:
        return Decision(
            WinbackAction.LET_GO,
            f"worth {value} {money} {per}, {action.value.replace('_', ' ')} costs {cost} {money}",
        )
    return Decision(action, f"{stage.value.replace('_', ' ')}: worth {value} {money} {per}")
