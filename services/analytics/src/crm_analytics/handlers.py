"""The events analytics consumes: ``{event class: [handlers]}``.

Every event type registered for the topics analytics reads goes through one batch handler,
the profile projection: customer events change the profile, and every event lands on the
unified timeline. The events that carry a section's figures also go through that section's
projection: orders and opportunities the sales figures, tickets, breaches, recoveries and
surveys the service figures (the marketing and score sections add theirs beside them).
Marketing's request for a campaign's inline audience also saves and evaluates a segment.
"""

from collections.abc import Sequence

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.handlers import BatchHandler, HandlerMap
from crm_shared.bus.topics import ANALYTICS, CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.events import IntegrationEvent, all_event_types, topic_of

from crm_analytics.profiles.projection import ProfileProjection
from crm_analytics.sales.projection import SALES_FIGURE_EVENTS, SalesProjection
from crm_analytics.scores.live import SCORE_EVENTS, LiveScores
from crm_analytics.segments.handlers import segment_handlers
from crm_analytics.segments.live import MembershipRefresh
from crm_analytics.settings import AnalyticsSettings
from crm_analytics.support.projection import SUPPORT_FIGURE_EVENTS, SupportProjection

# Its own topic too: what analytics publishes (value class, churn risk, segment joins and
# leaves) lands on the customer's timeline like every other event.
CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING, ANALYTICS)

profile_projection = ProfileProjection()
# ... and last, on every run, the segment membership of every customer the run changed.
membership_refresh = MembershipRefresh()


def handlers_for(settings: AnalyticsSettings) -> HandlerMap:
    section_projections: Sequence[tuple[tuple[type[IntegrationEvent], ...], BatchHandler]] = (
        (SALES_FIGURE_EVENTS, SalesProjection()),
        (SUPPORT_FIGURE_EVENTS, SupportProjection()),
        # After the sections: the scores of the customers whose orders or tickets changed ...
        (SCORE_EVENTS, LiveScores(settings)),
    )
    requests = segment_handlers(settings)
    return {
        event: [
            profile_projection,
            *(projection for events, projection in section_projections if event in events),
            membership_refresh,
            *([requests[event]] if event in requests else []),
        ]
        for type_name, event in all_event_types().items()
        if topic_of(type_name) in CONSUMED_TOPICS
    }
