"""Live scores: the customers a run of order, ticket, breach, survey, merge and erasure
events names are rescored in the same transaction, against the last full run's edges, so a
new order or complaint moves the customer's scores (and their value class and churn-risk
events) at once instead of at the next nightly run."""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events import IntegrationEvent

from crm_analytics.profiles.repository import ProfileRepository
from crm_analytics.sales.projection import ORDER_EVENTS
from crm_analytics.scores.service import rescore
from crm_analytics.settings import AnalyticsSettings
from crm_analytics.support.projection import SUPPORT_FIGURE_EVENTS

# Erasure and merge too: an erased customer's scores go at once, a merged-away customer's
# row goes and the survivor is scored over both customers' orders.
SCORE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    ORDER_EVENTS + SUPPORT_FIGURE_EVENTS + (CustomerErased, CustomerMerged)
)


class LiveScores:
    handles_batches = True

    def __init__(self, settings: AnalyticsSettings) -> None:
        self.settings = settings

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        named = {d.event.about_customer for d in deliveries} - {None}
        if not named:
            return
        survivors = await ProfileRepository(uow.session).survivors_of(named)
        customers = {survivors.get(c, c) for c in named if c is not None}
        customers |= {
            d.event.merged_customer_id for d in deliveries if isinstance(d.event, CustomerMerged)
        }
        await rescore(uow, self.settings, customers)
