"""Webhook subscriptions and their delivery logs, as partners and admins manage them.

Whose records: a partner client (``viewer`` = its client id) sees and changes only its own
subscriptions; another client's answers 404, exactly like one that does not exist. An admin
(``viewer`` None) sees every client's. Nothing here commits.
"""

import uuid
from datetime import datetime

from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import cancel, schedule

from crm_identity.clients.models import PartnerClient
from crm_identity.clients.repository import ClientRepository
from crm_identity.db import FIRST_VERSION
from crm_identity.sealing import SecretSealer
from crm_identity.webhooks import rules, signing
from crm_identity.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from crm_identity.webhooks.repository import DeliveryRepository, SubscriptionRepository
from crm_identity.webhooks.rules import DeliveryStatus
from crm_identity.webhooks.targets import TargetPolicy, check_target

SUBSCRIPTION_ORDER = (("created_at", instant), ("id", text))
DELIVERY_ORDER = (("created_at", instant), ("id", text))
DELIVERY_TIMER = "webhooks.deliver"


async def create_subscription(
    uow: UnitOfWork,
    viewer: str | None,
    *,
    client_id: str | None,
    url: str,
    event_types: list[str],
    description: str | None,
    policy: TargetPolicy,
    sealer: SecretSealer,
) -> tuple[WebhookSubscription, str]:
    """The new subscription and its secret (the only time it is shown; stored sealed)."""
    client = await _subscriber(uow, viewer, client_id)
    _check_patterns(event_types, client)
    await check_target(url, policy)
    secret = signing.new_secret()
    now = uow.clock.now()
    subscription = WebhookSubscription(
        id=str(uuid.uuid4()),
        client_id=client.id,
        url=url,
        event_types=list(event_types),
        description=description,
        sealed_secret=sealer.seal(secret),
        enabled=True,
        disabled_reason=None,
        disabled_at=None,
        consecutive_failures=0,
        version=FIRST_VERSION,
        created_at=now,
        updated_at=now,
    )
    SubscriptionRepository(uow.session).add(subscription)
    return subscription, secret


async def list_subscriptions(
    uow: UnitOfWork, viewer: str | None, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[WebhookSubscription]:
    subscriptions = SubscriptionRepository(uow.session)
    rows = await subscriptions.page(viewer, position_of(cursor, SUBSCRIPTION_ORDER), limit + 1)
    total = await subscriptions.count(viewer) if count else None
    return slice_of(rows, limit, lambda s: (s.created_at, s.id), SUBSCRIPTION_ORDER, total)


async def get_subscription(
    uow: UnitOfWork, viewer: str | None, subscription_id: str, *, for_update: bool = False
) -> WebhookSubscription:
    subscription = await SubscriptionRepository(uow.session).get(
        subscription_id, for_update=for_update
    )
    if subscription is None or (viewer is not None and subscription.client_id != viewer):
        raise NotFoundError.of("webhook subscription", subscription_id)
    return subscription


async def delete_subscription(
    uow: UnitOfWork, viewer: str | None, subscription_id: str, expected: ExpectedVersion
) -> None:
    subscription = await get_subscription(uow, viewer, subscription_id, for_update=True)
    check_version(expected, subscription.version)
    for delivery_id in await DeliveryRepository(uow.session).pending_ids(
        subscription_id=subscription.id
    ):
        await cancel(uow, DELIVERY_TIMER, delivery_id)
    # The deliveries and their attempts go with it (ON DELETE CASCADE).
    await SubscriptionRepository(uow.session).remove(subscription)


async def rotate_secret(
    uow: UnitOfWork,
    viewer: str | None,
    subscription_id: str,
    expected: ExpectedVersion,
    sealer: SecretSealer,
) -> tuple[WebhookSubscription, str]:
    """A new secret, used from the next attempt on (the old one stops at once)."""
    subscription = await get_subscription(uow, viewer, subscription_id, for_update=True)
    check_version(expected, subscription.version)
    secret = signing.new_secret()
    subscription.sealed_secret = sealer.seal(secret)
    subscription.touch(uow.clock.now())
    return subscription, secret


def signing_secret(subscription: WebhookSubscription, sealer: SecretSealer) -> str:
    """The subscription's secret in clear, to sign one attempt with (never to show)."""
    return sealer.unseal(subscription.sealed_secret, f"webhook subscription {subscription.id}")


async def reseal_secrets(uow: UnitOfWork, sealer: SecretSealer) -> int:
    """Seal with the current secrets key every signing secret that is not yet (in clear, or
    sealed with an older key); how many were."""
    subscriptions = SubscriptionRepository(uow.session)
    stale = await subscriptions.sealed_otherwise(sealer.current_prefix)
    for subscription_id, sealed in stale:
        resealed = sealer.reseal(sealed, f"webhook subscription {subscription_id}")
        await subscriptions.replace_sealed(subscription_id, sealed, resealed)
    return len(stale)


async def enable_subscription(
    uow: UnitOfWork, viewer: str | None, subscription_id: str, expected: ExpectedVersion
) -> WebhookSubscription:
    """Deliver again: the failure count starts afresh and the deliveries left pending while
    it was disabled are attempted now."""
    subscription = await get_subscription(uow, viewer, subscription_id, for_update=True)
    check_version(expected, subscription.version)
    if subscription.enabled:
        return subscription
    now = uow.clock.now()
    subscription.enabled = True
    subscription.disabled_reason = None
    subscription.disabled_at = None
    subscription.consecutive_failures = 0
    subscription.touch(now)
    for delivery in await DeliveryRepository(uow.session).waiting_for_enable(subscription.id):
        await arm(uow, delivery, now)
    return subscription


async def list_deliveries(
    uow: UnitOfWork,
    viewer: str | None,
    subscription_id: str,
    cursor: str | None,
    limit: int,
    *,
    count: bool = False,
) -> Slice[WebhookDelivery]:
    subscription = await get_subscription(uow, viewer, subscription_id)
    deliveries = DeliveryRepository(uow.session)
    after = position_of(cursor, DELIVERY_ORDER)
    rows = await deliveries.page(subscription.id, after, limit + 1)
    total = await deliveries.count(subscription.id) if count else None
    return slice_of(rows, limit, lambda d: (d.created_at, d.id), DELIVERY_ORDER, total)


async def get_delivery(
    uow: UnitOfWork, viewer: str | None, subscription_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    subscription = await get_subscription(uow, viewer, subscription_id)
    deliveries = DeliveryRepository(uow.session)
    delivery = await deliveries.get(delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFoundError.of("delivery", delivery_id)
    return delivery, await deliveries.attempts_of(delivery.id)


async def replay_delivery(
    uow: UnitOfWork, viewer: str | None, subscription_id: str, delivery_id: str
) -> WebhookDelivery:
    """Send one delivery again, now, with a fresh round of retries (same ``webhook-id``,
    so a receiver that keeps ids can tell it is the same event)."""
    delivery, _ = await get_delivery(uow, viewer, subscription_id, delivery_id)
    subscription = await get_subscription(uow, viewer, subscription_id)
    if not subscription.enabled:
        raise ConflictError(
            "the subscription is disabled: enable it first", code="webhook-subscription-disabled"
        )
    if delivery.payload is None:
        raise ConflictError(
            "this delivery's event was about a customer since erased: it is gone",
            code="webhook-delivery-erased",
        )
    if delivery.status == DeliveryStatus.PENDING.value:
        raise ConflictError(
            "this delivery is still pending: its next attempt is planned",
            code="webhook-delivery-pending",
        )
    now = uow.clock.now()
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.delivered_at = None
    await arm(uow, delivery, now)
    return delivery


async def arm(uow: UnitOfWork, delivery: WebhookDelivery, due_at: datetime) -> None:
    """Plan the delivery's next attempt (a durable timer keyed by the delivery; its payload
    holds no personal data)."""
    delivery.next_attempt_at = due_at
    delivery.updated_at = uow.clock.now()
    await schedule(uow, kind=DELIVERY_TIMER, key=delivery.id, due_at=due_at)


async def _subscriber(uow: UnitOfWork, viewer: str | None, client_id: str | None) -> PartnerClient:
    """The client the new subscription belongs to: the calling partner itself, or the one
    an admin names."""
    if viewer is not None and client_id not in (None, viewer):
        raise InvalidError(
            "a partner client subscribes for itself: leave client_id out",
            location="body.client_id",
        )
    wanted = viewer or client_id
    if wanted is None:
        raise UnknownReferenceError(
            "name the partner client to subscribe", location="body.client_id"
        )
    client = await ClientRepository(uow.session).get(wanted)
    if client is None or client.revoked:
        raise UnknownReferenceError(
            f"client {wanted} does not exist or is revoked", location="body.client_id"
        )
    return client


def _check_patterns(patterns: list[str], client: PartnerClient) -> None:
    for index, pattern in enumerate(patterns):
        location = f"body.event_types.{index}"
        if not rules.permissions_for_pattern(pattern):
            raise InvalidError(
                f"{pattern} matches no event a partner may receive (no scope grants it)",
                location=location,
                code="webhook-scope-not-granted",
            )
        missing = rules.missing_permissions(pattern, client.scopes)
        if missing:
            raise InvalidError(
                f"{pattern} needs the scope {', '.join(sorted(missing))}, which the client "
                "does not hold",
                location=location,
                code="webhook-scope-not-granted",
            )
