"""The events analytics consumes: ``{event class: [handlers]}``.

Every event type registered for the topics analytics reads goes through one batch handler,
the profile projection: customer events change the profile, and every event lands on the
unified timeline. The events that carry a section's figures also go through that section's
projection: orders and opportunities the sales figures, tickets, breaches, recoveries and
surveys the service figures (the marketing and score sections add theirs beside them).
"""

from collections.abc import Sequence

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.handlers import BatchHandler, HandlerMap
from crm_shared.bus.topics import CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.events import IntegrationEvent, all_event_types, topic_of

from crm_analytics.profiles.projection import ProfileProjection
from crm_analytics.sales.projection import SALES_FIGURE_EVENTS, SalesProjection
from crm_analytics.support.projection import SUPPORT_FIGURE_EVENTS, SupportProjection

CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING)

profile_projection = ProfileProjection()
SECTION_PROJECTIONS: Sequence[tuple[tuple[type[IntegrationEvent], ...], BatchHandler]] = (
    (SALES_FIGURE_EVENTS, SalesProjection()),
    (SUPPORT_FIGURE_EVENTS, SupportProjection()),
)

HANDLERS: HandlerMap = {
    event: [
        profile_projection,
        *(projection for events, projection in SECTION_PROJECTIONS if event in events),
    ]
    for type_name, event in all_event_types().items()
    if topic_of(type_name) in CONSUMED_TOPICS
}
