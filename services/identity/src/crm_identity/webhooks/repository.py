"""Every query of the webhook tables."""

from collections.abc import Collection, Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import select, update

from crm_identity.clients.models import PartnerClient
from crm_identity.db import count_rows
from crm_identity.webhooks.models import (
    ErasedCustomer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from crm_identity.webhooks.rules import DeliveryStatus


class SubscriptionRepository(RepositoryBase[WebhookSubscription]):
    model = WebhookSubscription

    async def page(
        self, client_id: str | None, after: Sequence[Any] | None, limit: int
    ) -> list[WebhookSubscription]:
        return await self.keyset_page(
            self._of(client_id),
            (WebhookSubscription.created_at, WebhookSubscription.id),
            after=after,
            limit=limit,
        )

    async def count(self, client_id: str | None) -> int:
        return await count_rows(self.session, self._of(client_id))

    async def enabled_with_clients(self) -> list[tuple[WebhookSubscription, PartnerClient]]:
        """Every enabled subscription of a client that is not revoked, with its client."""
        rows = await self.session.execute(
            select(WebhookSubscription, PartnerClient)
            .join(PartnerClient, PartnerClient.id == WebhookSubscription.client_id)
            .where(WebhookSubscription.enabled.is_(True), PartnerClient.revoked_at.is_(None))
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        )
        return [(subscription, client) for subscription, client in rows.all()]

    async def remove(self, subscription: WebhookSubscription) -> None:
        await self.session.delete(subscription)

    async def sealed_otherwise(self, prefix: str) -> list[tuple[str, str]]:
        """(id, sealed secret) of the subscriptions whose secret does not start with
        ``prefix`` (the current secrets key's): in clear, or sealed with another key."""
        rows = await self.session.execute(
            select(WebhookSubscription.id, WebhookSubscription.sealed_secret).where(
                ~WebhookSubscription.sealed_secret.startswith(prefix, autoescape=True)
            )
        )
        return [(subscription_id, sealed) for subscription_id, sealed in rows.all()]

    async def replace_sealed(self, subscription_id: str, old: str, new: str) -> None:
        """Reseal one secret, unless it changed meanwhile (rotated, or resealed by another
        instance). A Core UPDATE: the same secret sealed again is no change of the record
        (no new version, no audit entry)."""
        await self.session.execute(
            update(WebhookSubscription)
            .where(
                WebhookSubscription.id == subscription_id,
                WebhookSubscription.sealed_secret == old,
            )
            .values(sealed_secret=new)
            .execution_options(synchronize_session="fetch")
        )

    @staticmethod
    def _of(client_id: str | None) -> Any:
        statement = select(WebhookSubscription)
        if client_id is not None:
            statement = statement.where(WebhookSubscription.client_id == client_id)
        return statement


class DeliveryRepository(RepositoryBase[WebhookDelivery]):
    model = WebhookDelivery

    async def page(
        self, subscription_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[WebhookDelivery]:
        """The newest first: a delivery log is read from the top."""
        return await self.keyset_page(
            self._of(subscription_id),
            (WebhookDelivery.created_at, WebhookDelivery.id),
            after=after,
            limit=limit,
            descending=True,
        )

    async def count(self, subscription_id: str) -> int:
        return await count_rows(self.session, self._of(subscription_id))

    async def existing_pairs(self, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """(subscription id, event id) of the deliveries these events already have."""
        if not event_ids:
            return set()
        rows = await self.session.execute(
            select(WebhookDelivery.subscription_id, WebhookDelivery.event_id).where(
                WebhookDelivery.event_id.in_(event_ids)
            )
        )
        return {(subscription_id, event_id) for subscription_id, event_id in rows.all()}

    async def pending_ids(
        self, *, subscription_id: str | None = None, customer_id: str | None = None
    ) -> list[str]:
        statement = select(WebhookDelivery.id).where(
            WebhookDelivery.status == DeliveryStatus.PENDING.value
        )
        if subscription_id is not None:
            statement = statement.where(WebhookDelivery.subscription_id == subscription_id)
        if customer_id is not None:
            statement = statement.where(WebhookDelivery.customer_id == customer_id)
        return list(await self.session.scalars(statement))

    async def pending_of(self, subscription_id: str) -> list[WebhookDelivery]:
        return await self.all(
            select(WebhookDelivery).where(
                WebhookDelivery.subscription_id == subscription_id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
            )
        )

    async def waiting_for_enable(self, subscription_id: str) -> list[WebhookDelivery]:
        """Pending deliveries with no attempt planned (their subscription was disabled)."""
        return await self.all(
            select(WebhookDelivery).where(
                WebhookDelivery.subscription_id == subscription_id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
                WebhookDelivery.next_attempt_at.is_(None),
            )
        )

    async def forget_customer(self, customer_id: str, reason: str, now: Any) -> None:
        """Erasure: no payload about the customer is kept, and nothing pending is sent."""
        await self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.customer_id == customer_id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
            )
            .values(
                status=DeliveryStatus.CANCELLED.value,
                last_error=reason,
                next_attempt_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session="fetch")
        )
        await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.customer_id == customer_id)
            .values(payload=None)
            .execution_options(synchronize_session="fetch")
        )

    async def attempts_of(self, delivery_id: str) -> list[WebhookAttempt]:
        result = await self.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
        return list(result)

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)

    @staticmethod
    def _of(subscription_id: str) -> Any:
        return select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)


class ErasedCustomerRepository(RepositoryBase[ErasedCustomer]):
    model = ErasedCustomer

    async def among(self, customer_ids: Collection[str]) -> set[str]:
        if not customer_ids:
            return set()
        found = await self.session.scalars(
            select(ErasedCustomer.customer_id).where(ErasedCustomer.customer_id.in_(customer_ids))
        )
        return set(found)
