"""All SQL of the marketing section: the marketing service's messages and consent
withdrawals counted over the timeline (a GROUP BY each for many customers) and the profiles'
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
from sqlalchemy import bindparam, distinct, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.profiles.models import Profile
from crm_analytics.timeline.models import TimelineEntry


@dataclass(frozen=True)
class Withdrawals:
    customer_id: str
    channel: str
    count: int
    last_at: datetime


async def consent_withdrawals(
    session: AsyncSession, customer_ids: Collection[str]
) -> list[Withdrawals]:
    """Per customer and channel. A merge moves the alias's timeline rows to the survivor,
    and erasure keeps the channel and the answer, so the counts hold through both."""
    found: list[Withdrawals] = []
    for chunk in _chunks(customer_ids):
        rows = await session.execute(CONSENT_WITHDRAWALS, {"customer_ids": chunk})
        found.extend(Withdrawals(*row) for row in rows)
    return found


# The message events the section counts; delivered adds nothing a bounce does not tell.
COUNTED_MESSAGE_EVENTS = tuple(
    event.event_type for event in (MessageSent, MessageOpened, MessageClicked, MessageBounced)
)


@dataclass(frozen=True)
class MessageCounts:
    customer_id: str
    event_type: str
    messages: int  # distinct messages
    campaigns: int  # distinct campaigns
    last_at: datetime


async def message_counts(
    session: AsyncSession, customer_ids: Collection[str]
) -> list[MessageCounts]:
    """Per customer and message event type. Distinct messages, so a replayed or repeated
    event of one message counts once; a merge moves the alias's rows to the survivor and
    erasure keeps their ids, so the counts hold through both."""
    found: list[MessageCounts] = []
    for chunk in _chunks(customer_ids):
        rows = await session.execute(MESSAGE_COUNTS, {"customer_ids": chunk})
        found.extend(MessageCounts(*row) for row in rows)
    return found


# Built once: building these costs more than running them on a customer's timeline.
_entry = TimelineEntry
_chosen = _entry.customer_id.in_(bindparam("customer_ids", expanding=True))
_channel = _entry.data["channel"].as_string()
CONSENT_WITHDRAWALS = (
    select(_entry.customer_id, _channel, func.count(), func.max(_entry.occurred_at))
    .where(
        _chosen,
        _entry.event_type == CustomerConsentChanged.event_type,
        _entry.data["granted"].as_boolean() == false(),
    )
    .group_by(_entry.customer_id, _channel)
)
MESSAGE_COUNTS = (
    select(
        _entry.customer_id,
        _entry.event_type,
        func.count(distinct(_entry.data["message_id"].as_string())),
        func.count(distinct(_entry.data["campaign_id"].as_string())),
        func.max(_entry.occurred_at),
    )
    .where(_chosen, _entry.event_type.in_(COUNTED_MESSAGE_EVENTS))
    .group_by(_entry.customer_id, _entry.event_type)
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
