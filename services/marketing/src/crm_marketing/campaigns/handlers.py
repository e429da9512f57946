"""What analytics' segment events change on campaigns: a customer who joins a segment that a
launched campaign keeps live is enrolled in it (at most once, like everyone); the joins of a
requested segment's first evaluation are counted, and once ``segment.evaluated`` and that
many joins have arrived (in any order) the campaigns waiting on that audience start."""

from collections import Counter
from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery, EventHandler, batch_handler
from crm_shared.contracts.analytics import (
    MembershipChange,
    SegmentEvaluated,
    SegmentMembershipChanged,
)
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent

from crm_marketing.campaigns.service import (
    enrol_joiners,
    evaluation_joins_applied,
    segment_evaluated,
)


def _joins(deliveries: Sequence[Delivery]) -> list[SegmentMembershipChanged]:
    return [
        delivery.event
        for delivery in deliveries
        if isinstance(delivery.event, SegmentMembershipChanged)
        and delivery.event.change == MembershipChange.JOINED
    ]


@batch_handler
async def enrol_live_joiners(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    joined = [(event.segment_id, event.customer_id) for event in _joins(deliveries)]
    if joined:
        await enrol_joiners(uow, joined)


@batch_handler
async def count_evaluation_joins(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    """Each event once (the inbox), so the count is exact."""
    counted = Counter(
        (event.segment_id, event.evaluation_id)
        for event in _joins(deliveries)
        if event.evaluation_id is not None
    )
    for (segment_id, evaluation_id), joins in sorted(counted.items()):
        await evaluation_joins_applied(uow, segment_id, evaluation_id, joins)


async def on_segment_evaluated(
    uow: UnitOfWork, event: SegmentEvaluated, envelope: CloudEvent
) -> None:
    await segment_evaluated(
        uow, event.segment_id, event.evaluation_id, event.members, event.problem,
        event.evaluated_at,
    )  # fmt: skip


evaluation_handlers: dict[type, EventHandler] = {SegmentEvaluated: on_segment_evaluated}
