"""Delivering events to partners: the consumer's side (which subscriptions want an event,
one delivery row each) and the timer's side (one signed attempt, then a retry, success, or
giving up and disabling the subscription).

The consumer records deliveries in the unit of work of the event's inbox row, so an event
seen twice makes no second delivery (and a unique (subscription, event id) guards a replay
from the outbox after the inbox forgot it). Each delivery gets a durable timer in the same
transaction; the timer worker fires it, and its handler (:class:`DeliveryAttempts`) makes
the attempt: the HTTP request happens inside the timer's transaction, so the attempt's
outcome, the next timer and the done mark commit together (a crash re-sends, never
loses: receivers deduplicate by ``webhook-id``). A slow receiver therefore holds the
transaction for at most ``CRM_IDENTITY_WEBHOOK_TIMEOUT_SECONDS``.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_shared.bus.handlers import Delivery, batch_handler
from crm_shared.contracts.customer import CustomerErased
from crm_shared.contracts.identity import WebhookSubscriptionDisabled
from crm_shared.db import UnitOfWork
from crm_shared.privacy import scrub_from_disk
from crm_shared.timers import Timer, cancel

from crm_identity.clients.repository import ClientRepository
from crm_identity.webhooks import rules, sender
from crm_identity.webhooks.models import (
    ErasedCustomer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from crm_identity.webhooks.repository import (
    DeliveryRepository,
    ErasedCustomerRepository,
    SubscriptionRepository,
)
from crm_identity.webhooks.rules import DeliveryStatus, DisabledReason
from crm_identity.webhooks.service import DELIVERY_TIMER, arm
from crm_identity.webhooks.targets import TargetPolicy, UnsafeTargetError, check_target

ERASED = "customer erased"


# --- the consumer's side ------------------------------------------------------------------


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


# --- the timer's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryPolicy:
    targets: TargetPolicy
    timeout_seconds: float
    retry_schedule_seconds: list[float]
    disable_after_failures: int


class DeliveryAttempts:
    """The handler of the ``webhooks.deliver`` timer: one attempt of one delivery."""

    def __init__(self, policy: DeliveryPolicy) -> None:
        self.policy = policy

    async def __call__(self, uow: UnitOfWork, timer: Timer) -> None:
        deliveries = DeliveryRepository(uow.session)
        delivery = await deliveries.get(timer.key)
        if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
            return  # delivered, cancelled or deleted meanwhile
        # Locked (on PostgreSQL) so that two instances never count one endpoint's failures
        # over each other.
        subscription = await SubscriptionRepository(uow.session).get(
            delivery.subscription_id, for_update=True
        )
        if subscription is None:
            return
        if not subscription.enabled:
            delivery.next_attempt_at = None  # resumes when the subscription is enabled
            return
        reason = await self._undeliverable(uow, subscription, delivery)
        if reason is not None:
            _close(delivery, DeliveryStatus.CANCELLED, reason, uow.clock.now())
            return
        result = await self._attempt(uow, subscription, delivery)
        await self._record(uow, subscription, delivery, result)

    async def _undeliverable(
        self, uow: UnitOfWork, subscription: WebhookSubscription, delivery: WebhookDelivery
    ) -> str | None:
        """Why this delivery may no longer go out, checked again at every attempt."""
        if delivery.payload is None:
            return ERASED
        client = await ClientRepository(uow.session).get(subscription.client_id)
        if client is None or client.revoked:
            return "client revoked"
        if not rules.may_receive(client.scopes, delivery.event_type):
            return "the client's scopes no longer allow this event"
        return None

    async def _attempt(
        self, uow: UnitOfWork, subscription: WebhookSubscription, delivery: WebhookDelivery
    ) -> sender.AttemptResult:
        assert delivery.payload is not None
        try:
            target = await check_target(subscription.url, self.policy.targets)
        except UnsafeTargetError as refused:
            return sender.AttemptResult(None, f"refused: {refused.message}"[:300], 0)
        return await sender.post(
            target,
            subscription.secret,
            delivery.event_id,
            int(uow.clock.now().timestamp()),
            delivery.payload.encode(),
            self.policy.timeout_seconds,
        )

    async def _record(
        self,
        uow: UnitOfWork,
        subscription: WebhookSubscription,
        delivery: WebhookDelivery,
        result: sender.AttemptResult,
    ) -> None:
        now = uow.clock.now()
        DeliveryRepository(uow.session).add_attempt(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=now,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        )
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.succeeded:
            subscription.consecutive_failures = 0
            delivery.delivered_at = now
            _close(delivery, DeliveryStatus.DELIVERED, None, now)
            return
        subscription.consecutive_failures += 1
        delay = rules.retry_delay(self.policy.retry_schedule_seconds, delivery.attempts)
        if delay is None:
            _close(delivery, DeliveryStatus.FAILED, result.error, now)
            await disable(uow, subscription, DisabledReason.RETRIES_EXHAUSTED)
            return
        await arm(uow, delivery, now + delay)
        if subscription.consecutive_failures >= self.policy.disable_after_failures:
            await disable(uow, subscription, DisabledReason.CONSECUTIVE_FAILURES)


async def disable(
    uow: UnitOfWork, subscription: WebhookSubscription, reason: DisabledReason
) -> None:
    """Stop delivering: the pending deliveries keep their place (no attempt planned) and
    resume when the subscription is enabled; the event tells whoever watches."""
    if not subscription.enabled:
        return
    now = uow.clock.now()
    for delivery in await DeliveryRepository(uow.session).pending_of(subscription.id):
        await cancel(uow, DELIVERY_TIMER, delivery.id)
        delivery.next_attempt_at = None
        delivery.updated_at = now
    subscription.enabled = False
    subscription.disabled_reason = reason.value
    subscription.disabled_at = now
    subscription.touch(now)
    uow.record(
        WebhookSubscriptionDisabled(
            subscription_id=subscription.id,
            client_id=subscription.client_id,
            reason=reason.value,
            consecutive_failures=subscription.consecutive_failures,
            subscription_version=subscription.version,
            disabled_at=now,
        )
    )


def _close(
    delivery: WebhookDelivery, status: DeliveryStatus, reason: str | None, now: datetime
) -> None:
    delivery.status = status.value
    delivery.next_attempt_at = None
    delivery.updated_at = now
    if reason is not None:
        delivery.last_error = reason
