"""/v1/webhooks/subscriptions: partner webhooks, for the partner client itself (its own
subscriptions only) and for admins (every client's). The secret is in the create and
rotate answers only (``Cache-Control: no-store``); create takes no ``Idempotency-Key`` for
the same reason as a partner client's (a replay would have to store the secret)."""

from uuid import UUID

from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.auth.tokens import Principal
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from crm_identity.web import NO_STORE, SealerDep, SettingsDep
from crm_identity.webhooks import service
from crm_identity.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from crm_identity.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    SubscriptionCreate,
    SubscriptionOut,
    SubscriptionWithSecret,
)
from crm_identity.webhooks.targets import TargetPolicy

router = APIRouter(
    prefix="/v1/webhooks/subscriptions",
    tags=["partner webhooks"],
    route_class=IfMatchRoute,
    dependencies=[requires(Permission.WEBHOOKS_MANAGE)],
)


def viewer_of(principal: Principal) -> str | None:
    """Whose subscriptions the caller sees: a partner client its own, an admin all."""
    return principal.client_id


def subscription_out(subscription: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=subscription.id,
        client_id=subscription.client_id,
        url=subscription.url,
        event_types=list(subscription.event_types),
        description=subscription.description,
        enabled=subscription.enabled,
        disabled_reason=subscription.disabled_reason,
        disabled_at=subscription.disabled_at,
        consecutive_failures=subscription.consecutive_failures,
        version=subscription.version,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def with_secret(subscription: WebhookSubscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret(**subscription_out(subscription).model_dump(), secret=secret)


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        payload_erased=delivery.payload is None,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
    )


def attempt_out(attempt: WebhookAttempt) -> AttemptOut:
    return AttemptOut(
        attempted_at=attempt.attempted_at,
        status_code=attempt.status_code,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
    )


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionWithSecret,
    summary="Subscribe a URL to event types (the signing secret is shown in this answer only)",
)
async def create_subscription(
    body: SubscriptionCreate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    sealer: SealerDep,
    principal: PrincipalDep,
) -> JSONResponse:
    policy = TargetPolicy(
        allow_private=bool(settings.webhook_allow_private_targets),
        allow_http=bool(settings.webhook_allow_http),
    )
    subscription, secret = await service.create_subscription(
        uow,
        viewer_of(principal),
        client_id=body.client_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        policy=policy,
        sealer=sealer,
    )
    await uow.commit()
    return json_response(
        with_secret(subscription, secret),
        status_code=201,
        version=subscription.version,
        location=f"/v1/webhooks/subscriptions/{subscription.id}",
        headers=NO_STORE,
    )


@router.get(
    "",
    response_model=Page[SubscriptionOut],
    summary="The caller's subscriptions (an admin: every client's), oldest first",
)
async def list_subscriptions(
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[SubscriptionOut]:
    found = await service.list_subscriptions(uow, viewer_of(principal), cursor, limit, count=total)
    return page_of(found, limit, subscription_out)


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="One subscription")
async def get_subscription(
    subscription_id: UUID, uow: UnitOfWorkDep, principal: PrincipalDep
) -> JSONResponse:
    subscription = await service.get_subscription(uow, viewer_of(principal), str(subscription_id))
    return json_response(subscription_out(subscription), version=subscription.version)


@router.delete(
    "/{subscription_id}",
    status_code=204,
    summary="Delete a subscription with its delivery log (nothing more is sent)",
)
async def delete_subscription(
    subscription_id: UUID,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    expected: ExpectedVersionDep,
) -> Response:
    await service.delete_subscription(uow, viewer_of(principal), str(subscription_id), expected)
    await uow.commit()
    return Response(status_code=204)


@router.post(
    "/{subscription_id}/secret",
    response_model=SubscriptionWithSecret,
    summary="Give a subscription a new signing secret (shown once; the old one stops at once)",
)
async def rotate_secret(
    subscription_id: UUID,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    expected: ExpectedVersionDep,
    sealer: SealerDep,
) -> JSONResponse:
    subscription, secret = await service.rotate_secret(
        uow, viewer_of(principal), str(subscription_id), expected, sealer
    )
    await uow.commit()
    return json_response(
        with_secret(subscription, secret), version=subscription.version, headers=NO_STORE
    )


@router.post(
    "/{subscription_id}/enable",
    response_model=SubscriptionOut,
    summary="Enable a disabled subscription: its pending deliveries are attempted again",
)
async def enable_subscription(
    subscription_id: UUID,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    expected: ExpectedVersionDep,
) -> JSONResponse:
    subscription = await service.enable_subscription(
        uow, viewer_of(principal), str(subscription_id), expected
    )
    await uow.commit()
    return json_response(subscription_out(subscription), version=subscription.version)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The subscription's delivery log, newest first",
)
async def list_deliveries(
    subscription_id: UUID,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[DeliveryOut]:
    found = await service.list_deliveries(
        uow, viewer_of(principal), str(subscription_id), cursor, limit, count=total
    )
    return page_of(found, limit, delivery_out)


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="One delivery with every attempt",
)
async def get_delivery(
    subscription_id: UUID, delivery_id: UUID, uow: UnitOfWorkDep, principal: PrincipalDep
) -> DeliveryDetail:
    delivery, attempts = await service.get_delivery(
        uow, viewer_of(principal), str(subscription_id), str(delivery_id)
    )
    return DeliveryDetail(
        **delivery_out(delivery).model_dump(), history=[attempt_out(a) for a in attempts]
    )


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    summary="Send one delivery again now (same webhook-id), with a fresh round of retries",
)
async def replay_delivery(
    subscription_id: UUID, delivery_id: UUID, uow: UnitOfWorkDep, principal: PrincipalDep
) -> DeliveryOut:
    delivery = await service.replay_delivery(
        uow, viewer_of(principal), str(subscription_id), str(delivery_id)
    )
    await uow.commit()
    return delivery_out(delivery)
