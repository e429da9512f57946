"""Delivering events to partners: the timer's side. Each delivery has a durable timer
(``webhooks.deliver``); firing it makes one signed attempt, then plans a retry, marks the
delivery delivered, or gives up and disables the subscription.

The attempt is an HTTP request to someone else's server, which may take up to
``CRM_IDENTITY_WEBHOOK_TIMEOUT_SECONDS`` to answer: it must not hold a write transaction
(on SQLite the database's only write lock, which token issuance and every other write of
the service need). So :class:`DeliveryAttempts` is a two-phase timer handler:

* ``prepare`` reads the delivery, its subscription and client in a short read transaction,
  checks again that the delivery may go out (payload not erased, client not revoked, scopes,
  subscription enabled), then, with no transaction open, checks the target (SSRF) and makes
  the attempt;
* ``apply``, in the unit of work that claims the timer, reads the rows again and records
  the attempt's outcome: the attempt log, the next timer or the delivery's end, the
  subscription's failure count, disabling and its event, all with the done mark.

At least once: if the timer was cancelled, moved or fired elsewhere between the two (the
subscription was disabled or deleted, the customer erased), the attempt went out but
``apply`` never runs; a crash between them re-sends after the restart. Receivers
deduplicate by ``webhook-id``.
"""

from dataclasses import dataclass, field
from datetime import datetime

from crm_shared.contracts.identity import WebhookSubscriptionDisabled
from crm_shared.db import UnitOfWork
from crm_shared.timers import PrepareContext, Timer, TwoPhaseTimerHandler, cancel
from sqlalchemy.ext.asyncio import AsyncSession

from crm_identity.clients.repository import ClientRepository
from crm_identity.sealing import SecretSealer
from crm_identity.webhooks import rules, sender
from crm_identity.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from crm_identity.webhooks.repository import DeliveryRepository, SubscriptionRepository
from crm_identity.webhooks.rules import ERASED, DeliveryStatus, DisabledReason
from crm_identity.webhooks.service import DELIVERY_TIMER, arm, signing_secret
from crm_identity.webhooks.targets import TargetPolicy, UnsafeTargetError, check_target


@dataclass(frozen=True)
class DeliveryPolicy:
    targets: TargetPolicy
    timeout_seconds: float
    retry_schedule_seconds: list[float]
    disable_after_failures: int


@dataclass(frozen=True)
class _Request:
    """What one attempt sends, copied out of the read transaction."""

    url: str
    secret: str = field(repr=False)  # in clear: never in a log or traceback
    message_id: str
    body: bytes


@dataclass(frozen=True)
class Attempted:
    """What ``prepare`` did: one attempt and its outcome. None instead: no attempt was made
    (``apply`` then sees why from the rows)."""

    result: sender.AttemptResult
    attempted_at: datetime


class DeliveryAttempts(TwoPhaseTimerHandler[Attempted | None]):
    """The handler of the ``webhooks.deliver`` timer: one attempt of one delivery."""

    def __init__(self, policy: DeliveryPolicy, sealer: SecretSealer) -> None:
        self.policy = policy
        self.sealer = sealer

    # --- prepare: no write transaction open ---

    async def prepare(self, timer: Timer, context: PrepareContext) -> Attempted | None:
        async with context.reading() as session:
            request = await _request_for(session, timer.key, self.sealer)
        if request is None:
            return None
        attempted_at = context.clock.now()
        result = await self._send(request, int(attempted_at.timestamp()))
        return Attempted(result, attempted_at)

    async def _send(self, request: _Request, sent_at: int) -> sender.AttemptResult:
        try:
            target = await check_target(request.url, self.policy.targets)
        except UnsafeTargetError as refused:
            return sender.AttemptResult(None, f"refused: {refused.message}"[:300], 0)
        return await sender.post(
            target,
            request.secret,
            request.message_id,
            sent_at,
            request.body,
            self.policy.timeout_seconds,
        )

    # --- apply: in the unit of work that claims the timer ---

    async def apply(self, uow: UnitOfWork, timer: Timer, prepared: Attempted | None) -> None:
        delivery = await DeliveryRepository(uow.session).get(timer.key)
        if delivery is None:
            return  # deleted with its subscription: nothing left to record on
        # Locked (on PostgreSQL) so that two instances never count one endpoint's failures
        # over each other.
        subscription = await SubscriptionRepository(uow.session).get(
            delivery.subscription_id, for_update=True
        )
        if subscription is None:
            return
        pending = delivery.status == DeliveryStatus.PENDING.value
        if prepared is None:
            if pending:
                await self._not_attempted(uow, subscription, delivery)
            return
        if not pending or not subscription.enabled:
            # It changed after the request went out (delivered elsewhere, cancelled): the
            # attempt is logged, the rest stays as it is now, and no payload comes back.
            _log_attempt(uow, delivery, prepared)
            if pending:
                delivery.next_attempt_at = None  # resumes when the subscription is enabled
            return
        await self._record(uow, subscription, delivery, prepared)

    async def _not_attempted(
        self, uow: UnitOfWork, subscription: WebhookSubscription, delivery: WebhookDelivery
    ) -> None:
        """``prepare`` found the delivery not to go out; the rows say why, as they are now."""
        if not subscription.enabled:
            delivery.next_attempt_at = None  # resumes when the subscription is enabled
            return
        reason = await _undeliverable(uow.session, subscription, delivery)
        if reason is not None:
            _close(delivery, DeliveryStatus.CANCELLED, reason, uow.clock.now())
            return
        # Deliverable again since prepare looked (a race, rare): try again at once.
        await arm(uow, delivery, uow.clock.now())

    async def _record(
        self,
        uow: UnitOfWork,
        subscription: WebhookSubscription,
        delivery: WebhookDelivery,
        attempt: Attempted,
    ) -> None:
        now = uow.clock.now()
        result = attempt.result
        _log_attempt(uow, delivery, attempt)
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


async def _request_for(
    session: AsyncSession, delivery_id: str, sealer: SecretSealer
) -> _Request | None:
    """The request to send for this delivery, or None if it is not to go out now."""
    delivery = await DeliveryRepository(session).get(delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
        return None  # delivered, cancelled or deleted meanwhile
    subscription = await SubscriptionRepository(session).get(delivery.subscription_id)
    if subscription is None or not subscription.enabled:
        return None
    if await _undeliverable(session, subscription, delivery) is not None:
        return None
    assert delivery.payload is not None  # _undeliverable checked it
    return _Request(
        url=subscription.url,
        secret=signing_secret(subscription, sealer),
        message_id=delivery.event_id,
        body=delivery.payload.encode(),
    )


async def _undeliverable(
    session: AsyncSession, subscription: WebhookSubscription, delivery: WebhookDelivery
) -> str | None:
    """Why this delivery may no longer go out, checked again at every attempt."""
    if delivery.payload is None:
        return ERASED
    client = await ClientRepository(session).get(subscription.client_id)
    if client is None or client.revoked:
        return "client revoked"
    if not rules.may_receive(client.scopes, delivery.event_type):
        return "the client's scopes no longer allow this event"
    return None


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


def _log_attempt(uow: UnitOfWork, delivery: WebhookDelivery, attempt: Attempted) -> None:
    DeliveryRepository(uow.session).add_attempt(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=attempt.attempted_at,
            status_code=attempt.result.status_code,
            error=attempt.result.error,
            duration_ms=attempt.result.duration_ms,
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
