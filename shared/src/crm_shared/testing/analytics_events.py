"""Builders of ``crm.analytics`` events for tests of the services that consume them."""

from datetime import datetime

from crm_shared.contracts.analytics import (
    MembershipChange,
    SegmentEvaluated,
    SegmentMembershipChanged,
)
from crm_shared.testing.customer_events import T0


def membership(
    segment_id: str,
    customer_id: str,
    change: MembershipChange,
    sequence: int,
    *,
    name: str = "Test segment",
    changed_at: datetime = T0,
    evaluation_id: str | None = None,
) -> SegmentMembershipChanged:
    return SegmentMembershipChanged(
        customer_id=customer_id,
        segment_id=segment_id,
        segment_name=name,
        change=change,
        sequence=sequence,
        changed_at=changed_at,
        evaluation_id=evaluation_id,
    )


def joined(
    segment_id: str, customer_id: str, sequence: int = 1, *, evaluation_id: str | None = None
) -> SegmentMembershipChanged:
    return membership(
        segment_id, customer_id, MembershipChange.JOINED, sequence, evaluation_id=evaluation_id
    )


def left(segment_id: str, customer_id: str, sequence: int = 2) -> SegmentMembershipChanged:
    return membership(segment_id, customer_id, MembershipChange.LEFT, sequence)


def evaluated(
    segment_id: str,
    evaluation_id: str,
    members: int,
    *,
    problem: str | None = None,
    evaluated_at: datetime = T0,
) -> SegmentEvaluated:
    return SegmentEvaluated(
        segment_id=segment_id,
        evaluation_id=evaluation_id,
        members=members,
        problem=problem,
        evaluated_at=evaluated_at,
    )
