"""Delivering events to partners: the consumer's side (which subscriptions want an event,
one delivery row each). The timer's side (the attempts) is in
:mod:`crm_identity.webhooks.attempts`.

The consumer records deliveries in the unit of work of the event's inbox row, so an event
seen twice makes no second delivery (and a unique (subscription, event id) guards a replay
from the outbox after the inbox forgot it). Each delivery gets a durable timer in the same
transaction; the timer worker fires it, and ``DeliveryAttempts`` makes the attempt, with
no transaction open while it waits for the partner.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime

from crm_shared.bus.handlers import Delivery, batch_handler
from crm_shared.contracts.customer import CustomerErased
from crm_shared.db import UnitOfWork
from crm_shared.privacy import scrub_from_disk
from crm_shared.timers import cancel

from crm_identity.webhooks import rules
from crm_identity.webhooks.models import ErasedCustomer, WebhookDelivery
from crm_identity.webhooks.repository import (
    DeliveryRepository,
    ErasedCustomerRepository,
    SubscriptionRepository,
)
from crm_identity.webhooks.rules import ERASED, DeliveryStatus
from crm_identity.webhooks.service import DELIVERY_TIMER, arm


@batch_handler
async def fan_out(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    """One delivery per (matching subscription, event), in partition order; an erasure
    first forgets what is pending about the customer, then is delivered itself (it carries
    ids only, and tells partners to erase their copies)."""
    subscribers = await SubscriptionRepository(uow.session).enabled_with_clients()
    about = {d.event.about_customer for d in deliveries} - {None}
    erased = await ErasedCustomerRepository(uow.session).among(about)
    already = await DeliveryRepository(uow.session).existing_pairs([d.id for d in deliveries])
    now = uow.clock.now()
    for delivery in deliveries:
        customer_id = delivery.event.about_customer
        if isinstance(delivery.event, CustomerErased):
            await forget_customer(uow, delivery.event.customer_id, delivery.event.erased_at)
            erased.add(delivery.event.customer_id)
        elif customer_id in erased:
            continue  # a late or replayed event about someone erased: never delivered
        event_type = delivery.envelope.type
        for subscription, client in subscribers:
            wanted = rules.matches_any(subscription.event_types, event_type)
            if not wanted or not rules.may_receive(client.scopes, event_type):
                continue
            if (subscription.id, delivery.id) in already:
                continue
            row = DeliveryRepository(uow.session).add(
                WebhookDelivery(
                    id=str(uuid.uuid4()),
                    subscription_id=subscription.id,
                    event_id=delivery.id,
                    event_type=event_type,
                    customer_id=customer_id,
                    payload=delivery.envelope.to_json().decode(),
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            await arm(uow, row, now)


async def forget_customer(uow: UnitOfWork, customer_id: str, erased_at: datetime) -> None:
    """Cancel what is pending about the customer, drop every stored payload about them,
    and remember them so that nothing about them is delivered again."""
    deliveries = DeliveryRepository(uow.session)
    for delivery_id in await deliveries.pending_ids(customer_id=customer_id):
        await cancel(uow, DELIVERY_TIMER, delivery_id)
    await deliveries.forget_customer(customer_id, ERASED, uow.clock.now())
    erased = ErasedCustomerRepository(uow.session)
    if await erased.get(customer_id) is None:
        erased.add(ErasedCustomer(customer_id=customer_id, erased_at=erased_at))
    scrub_from_disk(uow)
