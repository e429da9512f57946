"""The pure rules of follow-up calls: which sales get one, who makes the call, when an
answer opens a complaint,
what "today" spans, and the per-staff tally of the report.

The report counts the calls **due** in the period, per owner: ``due`` all of them, ``done``
those whose outcome is recorded, ``on_time`` those done by their due time, ``overdue``
those still open past their due time (now), ``problem_not_fixed`` / ``dissatisfied`` the
answers "no", ``leads_spotted`` the calls that spotted a sales lead.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from crm_shared.contracts.sales import OrderSnapshot

from crm_support.settings import SupportSettings

OPEN = "open"
DONE = "done"


def owner_of(named: str | None, default: str) -> str:
    """The visit's staff or the order's owner; else the service desk (the setting)."""
    return named or default


def opens_complaint(problem_fixed: bool | None, satisfied: bool | None) -> bool:
    """A "not fixed" or dissatisfied answer opens a complaint at once (not asked: no)."""
    return problem_fixed is False or satisfied is False


class CallFacts(NamedTuple):
    owner: str
    state: str
    due_at: datetime
    done_at: datetime | None
    problem_fixed: bool | None
    satisfied: bool | None
    lead_spotted: bool


@dataclass
class OwnerTally:
    owner: str
    due: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    problem_not_fixed: int = 0
    dissatisfied: int = 0
    leads_spotted: int = 0


def tally(calls: Iterable[CallFacts], now: datetime) -> list[OwnerTally]:
    """The report's counts per owner (by owner's name)."""
    by_owner: dict[str, OwnerTally] = {}
    for call in calls:
        row = by_owner.setdefault(call.owner, OwnerTally(call.owner))
        row.due += 1
        if call.state == DONE:
            row.done += 1
            row.on_time += call.done_at is not None and call.done_at <= call.due_at
        elif call.due_at < now:
            row.overdue += 1
        row.problem_not_fixed += call.problem_fixed is False
        row.dissatisfied += call.satisfied is False
        row.leads_spotted += bool(call.lead_spotted)
    return [by_owner[owner] for owner in sorted(by_owner)]


def calls_after(order: OrderSnapshot, now: datetime, settings: SupportSettings) -> bool:
    """Whether a sale gets a follow-up call (``follow_up_after_orders``): not an order of the
    history import (those sales are long past) nor one whose follow-up window closed before
    the event arrived."""
    if not settings.follow_up_after_orders or order.source == "import":
        return False
    return order.ordered_at + settings.follow_up_call_within > now
