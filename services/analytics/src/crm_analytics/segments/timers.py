"""Every segment over everyone, as durable deferred work: a full scoring run asks for it
(the age bands move with the date, and every score may have moved) rather than
re-evaluating every segment inside its own transaction, which would hold the write lock
for as long as there are segments. The timer worker runs it right after the commit, a few
segments per transaction: the timer re-arms itself with where it got to, so requests and
events get the write lock between two steps however many segments there are."""

from datetime import datetime

from crm_shared.db import UnitOfWork
from crm_shared.timers import AnyTimerHandler, Timer, schedule

from crm_analytics.segments.repository import SegmentRepository
from crm_analytics.segments.service import evaluate

REFRESH_ALL = "segments.refresh_all"
EVERYONE = "everyone"
SEGMENTS_PER_STEP = 10


async def request_full_refresh(uow: UnitOfWork) -> None:
    """One pending refresh at a time: asking again while one waits or is under way starts
    it again from the first segment."""
    await schedule(uow, kind=REFRESH_ALL, key=EVERYONE, due_at=uow.clock.now())


async def refresh_everyone(uow: UnitOfWork, timer: Timer) -> None:
    """The next few segments over everyone; re-arms itself while segments remain."""
    now = uow.clock.now()
    after = _position(timer.payload.get("after"))
    step = await SegmentRepository(uow.session).page(after, SEGMENTS_PER_STEP)
    for segment in step:
        await evaluate(uow, segment, None, now)
    if len(step) == SEGMENTS_PER_STEP:
        last = step[-1]
        where = {"after": [last.created_at.isoformat(), last.id]}
        await schedule(uow, kind=REFRESH_ALL, key=EVERYONE, due_at=now, payload=where)


def _position(value: object) -> tuple[datetime, str] | None:
    if not isinstance(value, list):
        return None
    created_at, segment_id = value
    return datetime.fromisoformat(created_at), str(segment_id)


SEGMENT_TIMERS: dict[str, AnyTimerHandler] = {REFRESH_ALL: refresh_everyone}
