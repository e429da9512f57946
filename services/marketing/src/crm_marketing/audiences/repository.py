"""All SQL of the audiences: the members of a saved segment, and what erasure and merge
remove."""

from collections.abc import Collection

from crm_shared.db.statements import key_chunks
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.audiences.models import SegmentMember, member_key


class AudienceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def members(self, segment_id: str) -> list[str]:
        rows = await self.session.scalars(
            select(SegmentMember.customer_id)
            .where(SegmentMember.segment_id == segment_id, SegmentMember.member.is_(True))
            .order_by(SegmentMember.customer_id)
        )
        return list(rows)

    async def current(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (segment, customer) pairs are memberships now."""
        keys = [member_key(segment, customer) for segment, customer in pairs]
        found: set[tuple[str, str]] = set()
        for chunk in key_chunks(keys):
            rows = await self.session.execute(
                select(SegmentMember.segment_id, SegmentMember.customer_id).where(
                    SegmentMember.id.in_(chunk), SegmentMember.member.is_(True)
                )
            )
            found.update((segment, customer) for segment, customer in rows)
        return found

    async def forget(self, customer_ids: Collection[str]) -> None:
        """Erasure and merge: an erased customer is in no audience; a merged-away one's
        memberships are the survivor's now, as analytics will say."""
        await self.session.execute(
            delete(SegmentMember).where(SegmentMember.customer_id.in_(list(customer_ids)))
        )
