"""The marketing section of many profiles at once: two queries whatever the number of
customers (one when the caller has the profiles' consent)."""

from collections.abc import Mapping
from typing import Any

from crm_shared.contracts.marketing import (
    MessageBounced,
    MessageClicked,
    MessageOpened,
    MessageSent,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.marketing import repository
from crm_analytics.marketing.repository import TimelineCounts
from crm_analytics.marketing.schemas import ConsentSummary, MarketingOut


async def marketing_sections(
    session: AsyncSession,
    customer_ids: list[str],
    consent: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, MarketingOut]:
    """Keyed by the ids asked for (survivors: a merged customer's history is theirs).
    ``consent``: the profiles' consent when the caller has read it already."""
    counted = await repository.timeline_counts(session, customer_ids)
    if consent is None:
        consent = await repository.current_consent(session, customer_ids)
    sections = {
        customer_id: MarketingOut(consent=_summary(consent.get(customer_id, {})))
        for customer_id in customer_ids
    }
    for counts in counted:
        section = sections[counts.customer_id]
        if counts.event_type == repository.WITHDRAWAL:
            _unsubscribed(section, counts)
        else:
            _count(section, counts)
    for section in sections.values():
        section.unsubscribes = dict(sorted(section.unsubscribes.items()))
    return sections


def _unsubscribed(section: MarketingOut, withdrawn: TimelineCounts) -> None:
    assert withdrawn.channel is not None
    section.unsubscribes[withdrawn.channel] = withdrawn.events
    if section.last_unsubscribed_at is None or withdrawn.last_at > section.last_unsubscribed_at:
        section.last_unsubscribed_at = withdrawn.last_at


def _count(section: MarketingOut, counts: TimelineCounts) -> None:
    event = counts.event_type
    if event == MessageSent.event_type:
        section.campaigns_received = counts.campaigns
        section.messages_received = counts.messages
        section.last_touch_at = counts.last_at
    elif event == MessageOpened.event_type:
        section.opened = counts.messages
    elif event == MessageClicked.event_type:
        section.clicked = section.responses = counts.messages
    elif event == MessageBounced.event_type:
        section.bounced = counts.messages


def _summary(consent: dict[str, dict[str, object]]) -> ConsentSummary:
    granted = sorted(channel for channel, entry in consent.items() if entry.get("granted"))
    withdrawn = sorted(channel for channel, entry in consent.items() if not entry.get("granted"))
    return ConsentSummary(granted=granted, withdrawn=withdrawn)
