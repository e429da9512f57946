"""All SQL of campaigns."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from crm_shared.db.repository import RepositoryBase
from sqlalchemy import select

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.rules import CampaignStatus
from crm_marketing.db import count_rows


class CampaignRepository(RepositoryBase[Campaign]):
    model = Campaign

    async def page(
        self, status: CampaignStatus | None, after: Sequence[Any] | None, limit: int
    ) -> list[Campaign]:
        return await self.keyset_page(
            self._listed(status), (Campaign.created_at, Campaign.id), after=after, limit=limit
        )

    async def count(self, status: CampaignStatus | None) -> int:
        return await count_rows(self.session, self._listed(status))

    async def running(self) -> list[Campaign]:
        return await self.all(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.RUNNING)
            .order_by(Campaign.launched_at, Campaign.id)
        )

    async def live_on(self, segment_ids: Collection[str]) -> list[Campaign]:
        """The launched, unfinished campaigns that keep these segments' audiences live."""
        return await self.all(
            select(Campaign).where(
                Campaign.segment_id.in_(list(segment_ids)),
                Campaign.live_audience.is_(True),
                Campaign.status.in_([CampaignStatus.RUNNING, CampaignStatus.PAUSED]),
            )
        )

    async def awaiting_audience(self, segment_id: str) -> list[Campaign]:
        """The campaigns on this inline audience whose members have not all arrived, locked:
        a launch, resume or timed start in progress is waited for and then read (so neither
        side misses the other, and the handler does not fail on a stale version)."""
        return await self.all(
            select(Campaign)
            .where(Campaign.segment_id == segment_id, Campaign.audience_ready.is_(False))
            .order_by(Campaign.created_at, Campaign.id)
            .with_for_update()
        )

    async def launched_between(self, start: datetime, end: datetime) -> list[Campaign]:
        """The campaigns launched in [start, end), in launch order."""
        return await self.all(
            select(Campaign)
            .where(Campaign.launched_at >= start, Campaign.launched_at < end)
            .order_by(Campaign.launched_at, Campaign.id)
        )

    @staticmethod
    def _listed(status: CampaignStatus | None) -> Any:
        statement = select(Campaign)
        return statement if status is None else statement.where(Campaign.status == status)
