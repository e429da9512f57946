"""What other services' events change on tickets (being built)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.events import IntegrationEvent


def ticket_handlers() -> dict[type[IntegrationEvent], EventHandler]:
    return {}
