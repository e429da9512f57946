"""Durable timers and recurring schedules: time as a dependency of the domain.

A service schedules work inside its unit of work::

    await schedule(uow, kind="sla.breach", key=ticket.id, due_at=deadline, payload={...})
    await reschedule(uow, "sla.breach", ticket.id, later)   # the SLA paused
    await cancel(uow, "sla.breach", ticket.id)              # the ticket was solved

and declares what handles each kind, and its recurring schedules, in its service
definition (``timers={"sla.breach": on_breach}``, ``schedules=[Schedule("refit",
"0 2 * * *", refit)]``). The service runtime runs a :class:`TimerWorker` that fires each
timer once in effect: the handler's changes, its events and the done mark commit together.

A handler whose work is slow and outside the database (an HTTP call) must not hold the
write transaction meanwhile: it is a :class:`TwoPhaseTimerHandler`, whose ``prepare`` runs
with no write transaction open and whose ``apply`` commits with the done mark (at least
once: see :mod:`crm_shared.timers.two_phase`).
"""

from crm_shared.timers.model import BatchTimerHandler, Schedule, Timer, TimerHandler, TimerState
from crm_shared.timers.repository import TimerRepository
from crm_shared.timers.scheduler import cancel, get_timer, reschedule, schedule
from crm_shared.timers.settings import TimerSettings
from crm_shared.timers.two_phase import AnyTimerHandler, PrepareContext, TwoPhaseTimerHandler
from crm_shared.timers.worker import TimerWorker, delete_fired_timers

__all__ = [
    "AnyTimerHandler",
    "BatchTimerHandler",
    "PrepareContext",
    "Schedule",
    "Timer",
    "TimerHandler",
    "TimerRepository",
    "TimerSettings",
    "TimerState",
    "TimerWorker",
    "TwoPhaseTimerHandler",
    "cancel",
    "delete_fired_timers",
    "get_timer",
    "reschedule",
    "schedule",
]
