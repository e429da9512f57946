"""The targets of one ticket inside a unit of work: start, meet, pause, resume, re-plan,
cancel, promise, and the breach and warning their timers bring.

Every (re)planned target arms two durable timers keyed ``"<ticket id>:<target>"``:
``sla.breach`` at its due time and ``sla.at_risk`` at its warning point; meeting, pausing
or cancelling it cancels them. The ticket's clock (``Ticket.clock_*``) is changed here; the
caller stamps the ticket (``touch``) and publishes what changed.
"""

from dataclasses import dataclass
from datetime import datetime

from crm_shared.contracts.support import Priority, SlaAtRisk, SlaMet, TargetName, TargetState
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.timers import cancel, schedule

from crm_support.settings import SupportSettings
from crm_support.sla.calendar import BusinessCalendar
from crm_support.sla.clock import SlaClock, plan, remaining, shown_state
from crm_support.tickets import history
from crm_support.tickets.models import Ticket, TicketTarget
from crm_support.tickets.repository import TicketRepository

BREACH = "sla.breach"
AT_RISK = "sla.at_risk"
OPEN_STATES = (TargetState.RUNNING, TargetState.PAUSED)
# A breach timer that fires this close (business seconds) before its due time is on time:
# the calendar's add and elapsed round differently.
TOLERANCE = 1.0

DURATIONS = {
    TargetName.FIRST_CONTACT: "sla_first_contact",
    TargetName.PROPOSAL: "sla_proposal",
    TargetName.MAJOR_REPLY: "sla_major_reply",
    TargetName.FOLLOW_UP: "sla_follow_up",
}

_CALENDARS: dict[int, tuple[SupportSettings, BusinessCalendar]] = {}


def calendar_of(settings: SupportSettings) -> BusinessCalendar:
    """The business calendar the settings describe (built once per settings object)."""
    cached = _CALENDARS.get(id(settings))
    if cached is not None and cached[0] is settings:
        return cached[1]
    calendar = BusinessCalendar(
        settings.sla_working_hours, settings.sla_timezone, tuple(settings.sla_holidays)
    )
    _CALENDARS[id(settings)] = (settings, calendar)
    return calendar


def budget_of(target: TargetName, priority: str, settings: SupportSettings) -> float:
    """Business seconds a target allows: its setting times the priority's factor."""
    duration = getattr(settings, DURATIONS[target])
    factor: float = settings.sla_priority_factors[Priority(priority)]
    return float(duration.total_seconds() * factor)


def clock_of(ticket: Ticket) -> SlaClock:
    return SlaClock(ticket.clock_consumed_seconds or 0.0, ticket.clock_running_since)


def _set_clock(ticket: Ticket, clock: SlaClock) -> None:
    ticket.clock_consumed_seconds = clock.consumed
    ticket.clock_running_since = clock.running_since


def timer_key(ticket_id: str, target: str) -> str:
    return f"{ticket_id}:{target}"


def parse_timer_key(key: str) -> tuple[str, str]:
    ticket_id, _, target = key.rpartition(":")
    return ticket_id, target


def reading(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> float:
    return clock_of(ticket).reading(uow.clock.now(), calendar_of(settings))


def _warned(
    uow: UnitOfWork, ticket: Ticket, target: TicketTarget, settings: SupportSettings
) -> bool:
    """Whether the clock is past the target's warning point already (its warning was given,
    or is due at once): a re-plan must not warn twice."""
    point = target.start_reading + target.budget_seconds * settings.sla_at_risk_share
    return reading(uow, ticket, settings) + TOLERANCE >= point


@dataclass(frozen=True)
class ShownTarget:
    """A target as clients see it: at risk past its warning point, with the business
    seconds it has left while it is open."""

    target: str
    state: TargetState
    due_at: datetime | None
    at_risk_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    budget_seconds: float
    remaining_seconds: float | None


def shown(
    ticket: Ticket, target: TicketTarget, now: datetime, settings: SupportSettings
) -> ShownTarget:
    left = None
    if target.state in OPEN_STATES:
        calendar = calendar_of(settings)
        left = remaining(
            clock_of(ticket), target.start_reading, target.budget_seconds, now, calendar
        )
    return ShownTarget(
        target=target.target,
        state=shown_state(TargetState(target.state), target.at_risk_at, now),
        due_at=target.due_at,
        at_risk_at=target.at_risk_at,
        met_at=target.met_at,
        breached_at=target.breached_at,
        budget_seconds=target.budget_seconds,
        remaining_seconds=left,
    )


async def _cancel_timers(uow: UnitOfWork, ticket_id: str, target: str) -> None:
    await cancel(uow, BREACH, timer_key(ticket_id, target))
    await cancel(uow, AT_RISK, timer_key(ticket_id, target))


async def _arm(
    uow: UnitOfWork,
    ticket: Ticket,
    target: TicketTarget,
    settings: SupportSettings,
    *,
    warned: bool,
) -> None:
    """Plan an open target on the ticket's clock and arm (or, paused, cancel) its timers."""
    now = uow.clock.now()
    planned = plan(
        clock_of(ticket),
        target.start_reading,
        target.budget_seconds,
        settings.sla_at_risk_share,
        now,
        calendar_of(settings),
    )
    target.state = planned.state.value
    target.due_at, target.at_risk_at = planned.due_at, planned.at_risk_at
    key = timer_key(ticket.id, target.target)
    if planned.due_at is None or planned.at_risk_at is None:
        await _cancel_timers(uow, ticket.id, target.target)
        return
    await schedule(uow, kind=BREACH, key=key, due_at=planned.due_at)
    if warned:
        await cancel(uow, AT_RISK, key)
    else:
        await schedule(uow, kind=AT_RISK, key=key, due_at=planned.at_risk_at)


async def start(
    uow: UnitOfWork,
    ticket: Ticket,
    name: TargetName,
    settings: SupportSettings,
    *,
    start_reading: float | None = None,
    budget: float | None = None,
) -> TicketTarget:
    """Start (or start again) a target: at the clock's reading unless ``start_reading``
    says otherwise, with its budget by the ticket's priority unless ``budget`` is given."""
    repository = TicketRepository(uow.session)
    target = await repository.target(ticket.id, name.value)
    if target is None:
        target = TicketTarget(ticket_id=ticket.id, target=name.value)
        repository.add(target)
    target.start_reading = (
        reading(uow, ticket, settings) if start_reading is None else start_reading
    )
    target.budget_seconds = budget_of(name, ticket.priority, settings) if budget is None else budget
    target.met_at = target.breached_at = target.breached_due_at = None
    await _arm(uow, ticket, target, settings, warned=False)
    return target


async def meet(
    uow: UnitOfWork, ticket: Ticket, name: TargetName, settings: SupportSettings, *, actor: str
) -> TicketTarget | None:
    """The target was met now: its timers stop, it is written in the history and published.
    A breached target stays breached (its ``met_at`` says when it was met late)."""
    target = await TicketRepository(uow.session).target(ticket.id, name.value)
    if target is None or target.met_at is not None:
        return None
    now = uow.clock.now()
    if target.state in OPEN_STATES:
        target.state = TargetState.MET.value
        due_at = target.due_at
    elif target.state == TargetState.BREACHED:
        due_at = target.breached_due_at
    else:
        return None
    target.met_at = now
    target.due_at = target.at_risk_at = None
    await _cancel_timers(uow, ticket.id, name.value)
    history.record(
        uow, ticket.id, "target_met", actor, target=name.value, late=target.breached_at is not None
    )
    uow.record(
        SlaMet(
            record_id=ticket.id,
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            target=name,
            due_at=due_at,
            met_at=now,
        )
    )
    return target


async def pause(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> None:
    """The ticket waits on the customer (or is closed): its clock stops, and with it every
    running target (no due time, no timers) until :func:`resume`."""
    _set_clock(ticket, clock_of(ticket).pause(uow.clock.now(), calendar_of(settings)))
    for target in await TicketRepository(uow.session).targets(ticket.id):
        if target.state == TargetState.RUNNING:
            await _arm(uow, ticket, target, settings, warned=True)


async def resume(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> None:
    """The clock runs again: the paused targets are due their remaining time from now."""
    _set_clock(ticket, clock_of(ticket).resume(uow.clock.now()))
    for target in await TicketRepository(uow.session).targets(ticket.id):
        if target.state == TargetState.PAUSED:
            warned = _warned(uow, ticket, target, settings)
            await _arm(uow, ticket, target, settings, warned=warned)


async def replan(uow: UnitOfWork, ticket: Ticket, settings: SupportSettings) -> None:
    """The priority changed: every open target gets the budget of the new priority from
    where it started (the time spent stays spent); one now overdue is due at once. A
    promised reply keeps its budget (it is a time agreed with the customer)."""
    for target in await TicketRepository(uow.session).targets(ticket.id):
        if target.state not in OPEN_STATES or target.target == TargetName.PROMISED_REPLY:
            continue
        warned = _warned(uow, ticket, target, settings)
        target.budget_seconds = budget_of(TargetName(target.target), ticket.priority, settings)
        await _arm(uow, ticket, target, settings, warned=warned)


async def cancel_open(
    uow: UnitOfWork, ticket: Ticket, *, actor: str, only: TargetName | None = None
) -> list[str]:
    """No longer asked for (the ticket closed; a reopened ticket's follow-up): the open
    targets (or ``only`` that one) are cancelled with their timers."""
    cancelled = []
    for target in await TicketRepository(uow.session).targets(ticket.id):
        if target.state not in OPEN_STATES or (only is not None and target.target != only):
            continue
        target.state = TargetState.CANCELLED.value
        target.due_at = target.at_risk_at = None
        await _cancel_timers(uow, ticket.id, target.target)
        cancelled.append(target.target)
    if cancelled:
        history.record(uow, ticket.id, "targets_cancelled", actor, targets=cancelled)
    return cancelled


async def promise(
    uow: UnitOfWork, ticket: Ticket, reply_by: datetime, settings: SupportSettings, *, actor: str
) -> TicketTarget:
    """A reply time agreed with the customer: a ``promised_reply`` target of the business
    time from now to ``reply_by`` (it replaces an open earlier promise)."""
    now = uow.clock.now()
    budget = calendar_of(settings).elapsed(now, reply_by)
    if budget <= 0:
        raise InvalidError("reply_by must lie in business time after now", location="body.reply_by")
    target = await start(uow, ticket, TargetName.PROMISED_REPLY, settings, budget=budget)
    history.record(uow, ticket.id, "promise", actor, reply_by=reply_by.isoformat())
    return target


async def breach(
    uow: UnitOfWork, ticket: Ticket, name: str, settings: SupportSettings
) -> TicketTarget | None:
    """The breach timer fired: the target is breached, if it is still running and overdue
    by the ticket's clock. A replay, a stale timer or a target met, paused or re-planned
    later does nothing (a target re-planned later is armed again for its new time)."""
    target = await TicketRepository(uow.session).target(ticket.id, name)
    if target is None or target.state != TargetState.RUNNING:
        return None
    now = uow.clock.now()
    left = remaining(
        clock_of(ticket), target.start_reading, target.budget_seconds, now, calendar_of(settings)
    )
    if left > TOLERANCE:
        await _arm(uow, ticket, target, settings, warned=_warned(uow, ticket, target, settings))
        return None
    target.state = TargetState.BREACHED.value
    target.breached_at, target.breached_due_at = now, target.due_at or now
    target.due_at = target.at_risk_at = None
    await cancel(uow, AT_RISK, timer_key(ticket.id, name))
    history.record(
        uow,
        ticket.id,
        "target_breached",
        "system",
        target=name,
        due_at=target.breached_due_at.isoformat(),
    )
    return target


async def warn(
    uow: UnitOfWork, ticket: Ticket, name: str, settings: SupportSettings
) -> TicketTarget | None:
    """The warning timer fired: SlaAtRisk, if the target still runs past its warning point."""
    target = await TicketRepository(uow.session).target(ticket.id, name)
    if target is None or target.state != TargetState.RUNNING or target.due_at is None:
        return None
    if not _warned(uow, ticket, target, settings):
        return None
    uow.record(
        SlaAtRisk(
            record_id=ticket.id,
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            target=TargetName(name),
            due_at=target.due_at,
            owner=ticket.owner,
        )
    )
    return target
