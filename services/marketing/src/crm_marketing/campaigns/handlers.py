"""What analytics' membership events change on campaigns: a customer who joins a segment
that a launched campaign keeps live is enrolled in it (at most once, like everyone)."""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery, batch_handler
from crm_shared.contracts.analytics import MembershipChange, SegmentMembershipChanged
from crm_shared.db import UnitOfWork

from crm_marketing.campaigns.service import enrol_joiners


@batch_handler
async def enrol_live_joiners(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    joined = [
        (delivery.event.segment_id, delivery.event.customer_id)
        for delivery in deliveries
        if isinstance(delivery.event, SegmentMembershipChanged)
        and delivery.event.change == MembershipChange.JOINED
    ]
    if joined:
        await enrol_joiners(uow, joined)
