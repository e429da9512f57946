"""Every segment over everyone, as durable deferred work: a full scoring run asks for it
(the age bands move with the date, and every score may have moved) rather than
re-evaluating every segment inside its own transaction, which would hold the write lock
for as long as there are segments. The timer worker runs it right after the commit."""

from crm_shared.db import UnitOfWork
from crm_shared.timers import AnyTimerHandler, Timer, schedule

from crm_analytics.segments.service import refresh_membership

REFRESH_ALL = "segments.refresh_all"


async def request_full_refresh(uow: UnitOfWork) -> None:
    """One pending refresh at a time: asking again while one waits changes nothing."""
    await schedule(uow, kind=REFRESH_ALL, key="everyone", due_at=uow.clock.now())


async def refresh_everyone(uow: UnitOfWork, timer: Timer) -> None:
    await refresh_membership(uow, None, uow.clock.now())


SEGMENT_TIMERS: dict[str, AnyTimerHandler] = {REFRESH_ALL: refresh_everyone}
