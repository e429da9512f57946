"""The ``crm.sales`` events the customer master consumes, and their handlers: conversions
one at a time (few, each a use case), order events as whole runs (imports bring them by
the hundred thousand)."""

from collections.abc import Sequence

from crm_shared.bus.handlers import Delivery, Handler, batch_handler
from crm_shared.contracts.sales import (
    LeadConverted,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
)
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent

from crm_customer.sales_facts import service
from crm_customer.settings import CustomerSettings


def sales_facts_handlers(settings: CustomerSettings) -> dict[type[IntegrationEvent], Handler]:
    async def lead_converted(uow: UnitOfWork, event: LeadConverted, envelope: CloudEvent) -> None:
        await service.link_converted_lead(uow, event, envelope, settings)

    @batch_handler
    async def orders(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        await service.apply_orders(uow, [delivery.event for delivery in deliveries], settings)

    return {
        LeadConverted: lead_converted,
        OrderPlaced: orders,
        OrderPaymentChanged: orders,
        OrderCancelled: orders,
    }
