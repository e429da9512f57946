"""All SQL of attribution: the customer's touches before an order, the credits written and
withdrawn, and each campaign's sums."""

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from crm_shared.db import table_of
from crm_shared.db.statements import insert_ignoring_duplicates, key_chunks
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.attribution.models import Attribution
from crm_marketing.attribution.rules import Touch
from crm_marketing.channels.base import Outcome
from crm_marketing.sends.models import CampaignMessage
from crm_marketing.sends.repository import MessageStatus

ATTRIBUTIONS: Table = table_of(Attribution)


class AttributionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touches(self, customer_id: str, since: datetime, until: datetime) -> list[Touch]:
        """The campaign messages delivered to the customer in [since, until] (a letter: put
        on its mail list; paper has no delivery receipt)."""
        message = CampaignMessage
        rows = await self.session.execute(
            select(message.campaign_id, message.sent_at).where(
                message.customer_id == customer_id,
                message.status == MessageStatus.SENT,
                message.outcome.in_([Outcome.DELIVERED.value, Outcome.POSTED.value]),
                message.sent_at >= since,
                message.sent_at <= until,
            )
        )
        # at is never None (the WHERE compares it), but the column may be NULL.
        return [Touch(campaign_id, at) for campaign_id, at in rows if at is not None]

    async def credit(self, rows: Sequence[dict[str, object]]) -> None:
        """Replays change nothing (one row per order and campaign)."""
        if rows:
            statement = insert_ignoring_duplicates(
                self.session, ATTRIBUTIONS, ("order_id", "campaign_id")
            )
            await self.session.execute(statement, list(rows))

    async def withdraw(self, order_ids: Collection[str]) -> None:
        await self.session.execute(
            delete(Attribution).where(Attribution.order_id.in_(list(order_ids)))
        )

    async def follow_merge(self, alias_id: str, survivor_id: str) -> None:
        """The alias's credits become the survivor's (one row per order and campaign, so no
        key can clash; a replay finds nothing left under the alias)."""
        await self.session.execute(
            update(ATTRIBUTIONS)
            .where(ATTRIBUTIONS.c.customer_id == alias_id)
            .values(customer_id=survivor_id)
        )

    async def sums(self, campaign_ids: Collection[str]) -> dict[str, tuple[int, Decimal]]:
        """Per campaign with credits: the orders credited (a shared one counts once) and the
        revenue of their shares; one grouped statement per chunk of campaigns."""
        found: dict[str, tuple[int, Decimal]] = {}
        for chunk in key_chunks(campaign_ids):
            rows = await self.session.execute(
                select(Attribution.campaign_id, func.count(), func.sum(Attribution.revenue))
                .where(Attribution.campaign_id.in_(chunk))
                .group_by(Attribution.campaign_id)
            )
            for campaign_id, orders, revenue in rows:
                found[campaign_id] = (int(orders or 0), Decimal(revenue or 0))
        return found
