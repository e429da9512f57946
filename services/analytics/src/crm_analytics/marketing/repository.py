"""All SQL of the marketing section: the marketing service's messages and consent
withdrawals counted over the timeline (one GROUP BY for many customers) and the profiles'
current consent."""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.contracts.customer import CustomerConsentChanged
from crm_shared.contracts.marketing import (
    MessageBounced,
    MessageClicked,
    MessageOpened,
    MessageSent,
)
from crm_shared.db.statements import key_chunks
from sqlalchemy import bindparam, case, distinct, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.profiles.models import Profile
from crm_analytics.timeline.models import TimelineEntry

# The message events the section counts; delivered adds nothing a bounce does not tell.
COUNTED_MESSAGE_EVENTS = tuple(
    event.event_type for event in (MessageSent, MessageOpened, MessageClicked, MessageBounced)
)
WITHDRAWAL = CustomerConsentChanged.event_type


@dataclass(frozen=True)
class TimelineCounts:
    """One customer's message events of one type, or consent withdrawals of one channel."""

    customer_id: str
    event_type: str
    channel: str | None  # of a withdrawal
    messages: int  # distinct messages
    campaigns: int  # distinct campaigns
    events: int
    last_at: datetime


async def timeline_counts(
    session: AsyncSession, customer_ids: Collection[str]
) -> list[TimelineCounts]:
    """Per customer and message event type, and per channel of a consent withdrawal. Distinct
    messages, so a replayed or repeated event of one message counts once. A merge moves the
    alias's timeline rows to the survivor and erasure keeps their ids, the channel and the
    answer, so the counts hold through both."""
    found: list[TimelineCounts] = []
    for chunk in _chunks(customer_ids):
        rows = await session.execute(TIMELINE_COUNTS, {"customer_ids": chunk})
        found.extend(TimelineCounts(*row) for row in rows)
    return found


# Built once (building it costs more than running it on a customer's timeline): one GROUP BY
# for the whole section.
_entry = TimelineEntry
_withdrawn_channel = case(
    (_entry.event_type == WITHDRAWAL, _entry.data["channel"].as_string()), else_=None
)
TIMELINE_COUNTS = (
    select(
        _entry.customer_id,
        _entry.event_type,
        _withdrawn_channel,
        func.count(distinct(_entry.data["message_id"].as_string())),
        func.count(distinct(_entry.data["campaign_id"].as_string())),
        func.count(),
        func.max(_entry.occurred_at),
    )
    .where(
        _entry.customer_id.in_(bindparam("customer_ids", expanding=True)),
        or_(
            _entry.event_type.in_(COUNTED_MESSAGE_EVENTS),
            (_entry.event_type == WITHDRAWAL) & (_entry.data["granted"].as_boolean() == false()),
        ),
    )
    .group_by(_entry.customer_id, _entry.event_type, _withdrawn_channel)
)


async def current_consent(
    session: AsyncSession, customer_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(customer_ids):
        rows = await session.execute(
            select(Profile.customer_id, Profile.consent).where(Profile.customer_id.in_(chunk))
        )
        found.update((row.customer_id, row.consent or {}) for row in rows)
    return found


def _chunks(keys: Collection[str]) -> Iterator[list[str]]:
    return key_chunks(sorted(set(keys)))
