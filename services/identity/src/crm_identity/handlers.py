"""The events identity consumes: every event of the domains partners may subscribe to goes
through the webhook fan-out (which also handles ``crm.customer.erased``)."""

import crm_shared.contracts  # noqa: F401  (registers every contract before the map is built)
from crm_shared.bus.handlers import HandlerMap
from crm_shared.bus.topics import ANALYTICS, CUSTOMER, MARKETING, SALES, SUPPORT
from crm_shared.events import all_event_types, topic_of

from crm_identity.webhooks.delivery import fan_out

CONSUMED_TOPICS: tuple[str, ...] = (CUSTOMER, SALES, SUPPORT, MARKETING, ANALYTICS)

HANDLERS: HandlerMap = {
    event: [fan_out]
    for type_name, event in all_event_types().items()
    if topic_of(type_name) in CONSUMED_TOPICS
}
