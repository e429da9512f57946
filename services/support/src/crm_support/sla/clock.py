"""A ticket's service-level clock and its targets, pure.

One clock per ticket counts business time (:class:`BusinessCalendar`) while the ticket is
worked and stops while it waits on the customer. A target starts at a clock reading and is
due when the clock has run its budget further; so

- a pause moves every running target by the pause (the time paused is never counted);
- a re-plan (a new priority, the ticket turning major) changes only the budget: the time
  already spent stays spent;
- each target has its own due instant and warning instant, shown on its own.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from crm_shared.contracts.support import TargetState

from crm_support.sla.calendar import BusinessCalendar


@dataclass(frozen=True)
class SlaClock:
    consumed: float = 0.0  # business seconds counted up to ``running_since``
    running_since: datetime | None = None  # None: paused

    @property
    def paused(self) -> bool:
        return self.running_since is None

    def reading(self, now: datetime, calendar: BusinessCalendar) -> float:
        """Business seconds counted so far."""
        if self.running_since is None:
            return self.consumed
        return self.consumed + calendar.elapsed(self.running_since, now)

    def pause(self, now: datetime, calendar: BusinessCalendar) -> "SlaClock":
        if self.running_since is None:
            return self
        return SlaClock(self.reading(now, calendar), None)

    def resume(self, now: datetime) -> "SlaClock":
        if self.running_since is not None:
            return self
        return replace(self, running_since=now)

    def when(self, reading: float, now: datetime, calendar: BusinessCalendar) -> datetime | None:
        """The instant the clock reads ``reading``: None while paused; ``now`` when it read
        that already (a target a re-plan shortened into the past is due at once)."""
        if self.running_since is None:
            return None
        if reading <= self.reading(now, calendar):
            return now
        return calendar.add(self.running_since, reading - self.consumed)


@dataclass(frozen=True)
class TargetPlan:
    """Where a target stands: when it is due and when it turns at risk (None while the
    clock is paused or the target is over)."""

    state: TargetState
    due_at: datetime | None
    at_risk_at: datetime | None


def plan(
    clock: SlaClock,
    start_reading: float,
    budget: float,
    at_risk_share: float,
    now: datetime,
    calendar: BusinessCalendar,
) -> TargetPlan:
    """The plan of an open target (neither met nor breached) started at ``start_reading``
    with ``budget`` business seconds."""
    if clock.paused:
        return TargetPlan(TargetState.PAUSED, None, None)
    due_at = clock.when(start_reading + budget, now, calendar)
    at_risk_at = clock.when(start_reading + budget * at_risk_share, now, calendar)
    return TargetPlan(TargetState.RUNNING, due_at, at_risk_at)


def shown_state(stored: TargetState, at_risk_at: datetime | None, now: datetime) -> TargetState:
    """What a client sees: a running target past its warning point is at risk."""
    if stored == TargetState.RUNNING and at_risk_at is not None and now >= at_risk_at:
        return TargetState.AT_RISK
    return stored


def remaining(
    clock: SlaClock, start_reading: float, budget: float, now: datetime, calendar: BusinessCalendar
) -> float:
    """Business seconds left on an open target (negative once overdue)."""
    return start_reading + budget - clock.reading(now, calendar)
