"""What other services' events schedule as follow-up calls (being built)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.events import IntegrationEvent


def follow_up_handlers() -> dict[type[IntegrationEvent], EventHandler]:
    return {}
