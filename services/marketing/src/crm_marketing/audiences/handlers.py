"""What analytics' membership events and the master's erasure and merge change on the
audiences.

- ``crm.analytics.segment.membership_changed.v1``: the newest membership of each (segment,
  customer) by its ``sequence`` (replays and late events change nothing);
- ``crm.customer.erased.v1`` / ``merged.v1``: the customer's rows go (see the repository).
"""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.analytics import MembershipChange, SegmentMembershipChanged
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork, table_of
from crm_shared.events import CloudEvent
from crm_shared.views.newest_rows import NewestRowsProjection

from crm_marketing.audiences.models import SegmentMember, member_key
from crm_marketing.audiences.repository import AudienceRepository


def _reading(event: SegmentMembershipChanged) -> tuple[str, int, dict[str, object]]:
    return (
        member_key(event.segment_id, event.customer_id),
        event.sequence,
        {
            "segment_id": event.segment_id,
            "customer_id": event.customer_id,
            "segment_name": event.segment_name,
            "member": event.change == MembershipChange.JOINED,
            "changed_at": event.changed_at,
        },
    )


membership_projection = NewestRowsProjection(
    table_of(SegmentMember),
    key="id",
    version="sequence",
    read=_reading,
)


async def on_customer_erased(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    await AudienceRepository(uow.session).forget([event.customer_id])


async def on_customer_merged(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    await AudienceRepository(uow.session).forget([event.merged_customer_id])


erasure_handlers: dict[type, EventHandler] = {
    CustomerErased: on_customer_erased,
    CustomerMerged: on_customer_merged,
}
