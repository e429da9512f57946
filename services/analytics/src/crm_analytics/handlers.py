"""The events analytics consumes: ``{event class: [handlers]}``.

Every event type registered for the topics analytics reads goes through one batch handler,
the profile projection: customer events change the profile, and every event lands on the
unified timeline (the issues that build the sales, marketing, service and score sections
add their own handlers beside it).
"""

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.handlers import HandlerMap
from crm_shared.bus.topics import CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.events import all_event_types, topic_of

from crm_analytics.profiles.projection import ProfileProjection

CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING)

profile_projection = ProfileProjection()

HANDLERS: HandlerMap = {
    event: [profile_projection]
    for type_name, event in all_event_types().items()
    if topic_of(type_name) in CONSUMED_TOPICS
}
