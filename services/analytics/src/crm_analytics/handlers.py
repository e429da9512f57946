"""The events analytics consumes: ``{event class: handler}``.

Customer events are projected onto the profile. Every other event type registered for the
topics analytics reads goes on the timeline as it is (the unified timeline wants all of
them); the issues that build the sales, marketing, service and score sections replace those
entries with handlers that also project the event.
"""

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.consumer import EventHandler, Handlers
from crm_shared.bus.topics import CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.contracts.customer import (
    CustomerConsentChanged,
    CustomerCreated,
    CustomerCreditRated,
    CustomerErased,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerUpdated,
)
from crm_shared.events import IntegrationEvent, all_event_types, topic_of

from crm_analytics.profiles.identity import project_erasure, project_merge
from crm_analytics.profiles.service import (
    project_consent_change,
    project_created,
    project_credit_rating,
    project_lifecycle_change,
    project_updated,
    record_on_timeline,
)

CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING)

CUSTOMER_HANDLERS: dict[type[IntegrationEvent], EventHandler] = {
    CustomerCreated: project_created,
    CustomerUpdated: project_updated,
    CustomerLifecycleChanged: project_lifecycle_change,
    CustomerConsentChanged: project_consent_change,
    CustomerCreditRated: project_credit_rating,
    CustomerMerged: project_merge,
    CustomerErased: project_erasure,
}


def timeline_only_handlers() -> dict[type[IntegrationEvent], EventHandler]:
    return {
        event: record_on_timeline
        for type_name, event in all_event_types().items()
        if topic_of(type_name) in CONSUMED_TOPICS
    }


HANDLERS: Handlers = {**timeline_only_handlers(), **CUSTOMER_HANDLERS}
