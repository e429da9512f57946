"""Builders of ``crm.analytics`` events for tests of the services that consume them."""

from datetime import datetime, timedelta

from crm_shared.contracts.analytics import (
    ChurnLevel,
    ChurnReason,
    ChurnRiskChanged,
    CustomerInactive,
    MembershipChange,
    SegmentEvaluated,
    SegmentMembershipChanged,
    ValueClass,
    ValueClassChanged,
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


def value_class_changed(
    customer_id: str,
    value_class: ValueClass | None,
    sequence: int,
    *,
    previous: ValueClass | None = None,
    computed_at: datetime = T0,
) -> ValueClassChanged:
    return ValueClassChanged(
        customer_id=customer_id,
        value_class=value_class,
        previous=previous,
        abc_class=None,
        value="0",
        currency="EUR",
        sequence=sequence,
        computed_at=computed_at,
    )


def churn_risk_changed(
    customer_id: str,
    level: ChurnLevel,
    sequence: int,
    *,
    previous: ChurnLevel | None = None,
    computed_at: datetime = T0,
) -> ChurnRiskChanged:
    return ChurnRiskChanged(
        customer_id=customer_id,
        level=level,
        previous=previous,
        score={ChurnLevel.LOW: 0.1, ChurnLevel.MEDIUM: 0.5, ChurnLevel.HIGH: 0.9}[level],
        reasons=[ChurnReason(code="inactive", weight=1.0, detail="no purchase for a while")],
        sequence=sequence,
        computed_at=computed_at,
    )


def inactive(
    customer_id: str,
    last_activity_at: datetime,
    days_inactive: int,
    *,
    threshold_days: int | None = None,
    expected_value: str | None = None,
    currency: str = "EUR",
    sequence: int = 1,
) -> CustomerInactive:
    """Analytics' ``customer.inactive``, computed ``days_inactive`` days after the last
    activity (the threshold: the highest default one reached, unless given)."""
    reached = [days for days in (90, 180, 365) if days_inactive >= days] or [90]
    return CustomerInactive(
        customer_id=customer_id,
        days_inactive=days_inactive,
        last_activity_at=last_activity_at,
        threshold_days=threshold_days or reached[-1],
        expected_value=expected_value,
        horizon_months=12 if expected_value is not None else None,
        currency=currency,
        sequence=sequence,
        computed_at=last_activity_at + timedelta(days=days_inactive),
    )


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
