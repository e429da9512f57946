"""Timeline use cases: record an event, join histories on a merge, scrub on erasure, page.

Nothing here commits: the event consumer (or the request) owns the transaction.
"""

from datetime import datetime
from typing import Any

from crm_shared.cursors import InvalidCursorError, decode_cursor, encode_cursor
from crm_shared.events import CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.timeline.presentation import scrub, source_service, summarize
from crm_analytics.timeline.repository import TimelinePosition, TimelineRepository
from crm_analytics.timeline.schemas import TimelineEntryOut, TimelineSlice


def timeline_entry(
    envelope: CloudEvent, customer_id: str, subject_id: str | None
) -> dict[str, Any]:
    """The timeline row of an event about ``subject_id``, filed under ``customer_id`` (the
    survivor, when the subject was merged into it)."""
    return {
        "event_id": str(envelope.id),
        "customer_id": customer_id,
        "subject_id": subject_id or customer_id,
        "event_type": envelope.type,
        "source_service": source_service(envelope.type),
        "occurred_at": envelope.time,
        "summary": summarize(envelope.type, envelope.data),
        "data": envelope.data,
    }


async def record(
    session: AsyncSession, envelope: CloudEvent, customer_id: str, subject_id: str
) -> None:
    """Put one event on ``customer_id``'s timeline (once, however often it is delivered)."""
    await TimelineRepository(session).add_many([timeline_entry(envelope, customer_id, subject_id)])


async def join_histories(session: AsyncSession, alias_id: str, survivor_id: str) -> None:
    """A merged customer's past becomes part of the survivor's timeline."""
    await TimelineRepository(session).move(alias_id, survivor_id)


async def scrub_history(session: AsyncSession, customer_id: str) -> None:
    """Remove personal data from every row of the customer, keeping type and time."""
    repository = TimelineRepository(session)
    changes = []
    for event_id, event_type, data in await repository.contents(customer_id):
        scrubbed = scrub(event_type, data)
        changes.append(
            {"event_id": event_id, "data": scrubbed, "summary": summarize(event_type, scrubbed)}
        )
    await repository.rewrite(changes)


async def read_slice(
    session: AsyncSession, customer_id: str, limit: int, cursor: str | None = None
) -> TimelineSlice:
    """One newest-first page; ``next_cursor`` is None on the last one."""
    rows = await TimelineRepository(session).newest_first(customer_id, limit + 1, _position(cursor))
    page, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = encode_cursor({"t": last.occurred_at.isoformat(), "e": last.event_id})
    return TimelineSlice(
        items=[TimelineEntryOut.model_validate(row) for row in page], next_cursor=next_cursor
    )


async def has_history(session: AsyncSession, customer_id: str) -> bool:
    return await TimelineRepository(session).has_entries(customer_id)


def _position(cursor: str | None) -> TimelinePosition | None:
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        occurred_at = datetime.fromisoformat(values["t"])
        event_id = str(values["e"])
    except (KeyError, TypeError, ValueError) as error:
        raise invalid_cursor() from error
    if occurred_at.tzinfo is None:
        raise invalid_cursor()
    return occurred_at, event_id


def invalid_cursor() -> InvalidCursorError:
    return InvalidCursorError()
