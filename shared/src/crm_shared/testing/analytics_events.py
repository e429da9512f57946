"""Builders of ``crm.analytics`` events for tests of the services that consume them."""

from datetime import datetime

from crm_shared.contracts.analytics import MembershipChange, SegmentMembershipChanged
from crm_shared.testing.customer_events import T0


def membership(
    segment_id: str,
    customer_id: str,
    change: MembershipChange,
    sequence: int,
    *,
    name: str = "Test segment",
    changed_at: datetime = T0,
) -> SegmentMembershipChanged:
    return SegmentMembershipChanged(
        customer_id=customer_id,
        segment_id=segment_id,
        segment_name=name,
        change=change,
        sequence=sequence,
        changed_at=changed_at,
    )


def joined(segment_id: str, customer_id: str, sequence: int = 1) -> SegmentMembershipChanged:
    return membership(segment_id, customer_id, MembershipChange.JOINED, sequence)


def left(segment_id: str, customer_id: str, sequence: int = 2) -> SegmentMembershipChanged:
    return membership(segment_id, customer_id, MembershipChange.LEFT, sequence)
