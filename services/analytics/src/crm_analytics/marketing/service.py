"""The marketing section of many profiles at once (the profile and the segment lists read
it): two queries whatever the number of customers."""

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.marketing import repository
from crm_analytics.marketing.schemas import ConsentSummary, MarketingOut


async def marketing_sections(
    session: AsyncSession, customer_ids: list[str]
) -> dict[str, MarketingOut]:
    """Keyed by the ids asked for (survivors: a merged customer's history is theirs)."""
    withdrawals = await repository.consent_withdrawals(session, customer_ids)
    consent = await repository.current_consent(session, customer_ids)
    sections = {
        customer_id: MarketingOut(consent=_summary(consent.get(customer_id, {})))
        for customer_id in customer_ids
    }
    for withdrawn in withdrawals:
        section = sections[withdrawn.customer_id]
        section.unsubscribes[withdrawn.channel] = withdrawn.count
        if section.last_unsubscribed_at is None or withdrawn.last_at > section.last_unsubscribed_at:
            section.last_unsubscribed_at = withdrawn.last_at
    for section in sections.values():
        section.unsubscribes = dict(sorted(section.unsubscribes.items()))
    return sections


def _summary(consent: dict[str, dict[str, object]]) -> ConsentSummary:
    granted = sorted(channel for channel, entry in consent.items() if entry.get("granted"))
    withdrawn = sorted(channel for channel, entry in consent.items() if not entry.get("granted"))
    return ConsentSummary(granted=granted, withdrawn=withdrawn)
