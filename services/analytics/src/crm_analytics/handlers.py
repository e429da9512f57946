"""The events analytics consumes: ``{event class: [handlers]}``.

Every event type registered for the topics analytics reads goes through one batch handler,
the profile projection: customer events change the profile, and every event lands on the
unified timeline; orders and opportunities also go through the sales projection, the
profile's sales figures (the marketing, service and score sections add theirs beside it).
"""

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.handlers import HandlerMap
from crm_shared.bus.topics import CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.events import all_event_types, topic_of

from crm_analytics.profiles.projection import ProfileProjection
from crm_analytics.sales.projection import SALES_FIGURE_EVENTS, SalesProjection

CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING)

profile_projection = ProfileProjection()
# Orders and opportunities also feed the profile's sales figures.
sales_projection = SalesProjection()

HANDLERS: HandlerMap = {
    event: [profile_projection, sales_projection]
    if event in SALES_FIGURE_EVENTS
    else [profile_projection]
    for type_name, event in all_event_types().items()
    if topic_of(type_name) in CONSUMED_TOPICS
}
