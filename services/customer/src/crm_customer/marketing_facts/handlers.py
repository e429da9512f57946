"""The ``crm.marketing`` events the customer master consumes: an unsubscribe withdraws the
channel's consent (one event at a time: few, each a use case). What was sent, opened or
clicked is marketing's and analytics' business, not the master's."""

from crm_shared.bus.handlers import Handler
from crm_shared.contracts.marketing import Unsubscribed
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent

from crm_customer.marketing_facts import service


def marketing_facts_handlers() -> dict[type[IntegrationEvent], Handler]:
    async def unsubscribed(uow: UnitOfWork, event: Unsubscribed, envelope: CloudEvent) -> None:
        await service.withdraw_consent(uow, event, envelope)

    return {Unsubscribed: unsubscribed}
