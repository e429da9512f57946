"""Segment membership kept current after every run of events.

Registered last for every event analytics consumes: once the profile, the sections and the
scores have taken the run, the customers it named (and their survivors, when an event names
a merged-away id) are re-evaluated against every segment, in one set-based pass per segment
(:func:`crm_analytics.segments.service.refresh_membership`), never a rescan of everyone.

An erased customer no longer matches (only active profiles do), and a merged-away one has
no profile left: both leave every segment they were in, and the survivor is re-evaluated.
The events analytics publishes itself come back on its own topic (for the timeline): the
scoring run that published them has already refreshed their customers, so they are skipped.
"""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.analytics import AnalyticsEvent
from crm_shared.contracts.customer import CustomerMerged
from crm_shared.db import UnitOfWork

from crm_analytics.profiles.repository import ProfileRepository
from crm_analytics.segments.service import refresh_membership


def customers_named(deliveries: Sequence[Delivery]) -> set[str]:
    named: set[str] = set()
    for delivery in deliveries:
        event = delivery.event
        if isinstance(event, AnalyticsEvent):
            continue
        if event.about_customer is not None:
            named.add(event.about_customer)
        if isinstance(event, CustomerMerged):
            named.add(event.merged_customer_id)
    return named


class MembershipRefresh:
    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        named = customers_named(deliveries)
        if not named:
            return
        survivors = await ProfileRepository(uow.session).survivors_of(named)
        await refresh_membership(uow, named | set(survivors.values()), uow.clock.now())
