"""All SQL of the audiences: the members of a saved segment, what erasure and merge
remove, and the count of a requested segment's first evaluation."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from crm_shared.db import table_of
from crm_shared.db.statements import insert_ignoring_duplicates, key_chunks
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.audiences.models import AudienceEvaluation, SegmentMember, member_key


@dataclass(frozen=True)
class EvaluationCount:
    applied: int
    members: int | None
    problem: str | None


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

    async def count_joins(self, segment_id: str, evaluation_id: str, joins: int) -> EvaluationCount:
        """Add ``joins`` applied joins of the evaluation; returns where it stands (after
        whoever counted before: the update waits for their row lock)."""
        return await self._counted(
            segment_id, evaluation_id, {"applied": AudienceEvaluation.applied + joins}
        )

    async def evaluated(
        self,
        segment_id: str,
        evaluation_id: str,
        members: int,
        problem: str | None,
        evaluated_at: datetime,
    ) -> EvaluationCount:
        """``segment.evaluated`` arrived: how many joins the evaluation has."""
        values = {"members": members, "problem": problem, "evaluated_at": evaluated_at}
        return await self._counted(segment_id, evaluation_id, values)

    async def _counted(
        self, segment_id: str, evaluation_id: str, values: Mapping[str, object]
    ) -> EvaluationCount:
        table = table_of(AudienceEvaluation)
        await self.session.execute(
            insert_ignoring_duplicates(self.session, table, ("segment_id", "evaluation_id")),
            {"segment_id": segment_id, "evaluation_id": evaluation_id, "applied": 0},
        )
        row = (
            await self.session.execute(
                update(AudienceEvaluation)
                .where(
                    AudienceEvaluation.segment_id == segment_id,
                    AudienceEvaluation.evaluation_id == evaluation_id,
                )
                .values(values)
                .returning(
                    AudienceEvaluation.applied,
                    AudienceEvaluation.members,
                    AudienceEvaluation.problem,
                )
            )
        ).one()
        return EvaluationCount(row.applied, row.members, row.problem)
