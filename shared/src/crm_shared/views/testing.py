"""Real ``crm.customer`` contract events for tests of a customer view, and a way to apply
them through a service's own handlers (the consumer's transaction, without the broker)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crm_shared.bus.handlers import Delivery, Dispatcher, HandlerMap
from crm_shared.contracts.customer import (
    ConsentChannel,
    CreditGrade,
    CustomerConsentChanged,
    CustomerCreated,
    CustomerCreditRated,
    CustomerErased,
    CustomerKind,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerSnapshot,
    CustomerUpdated,
    LifecycleStage,
    OperatingGrade,
)
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent


def snapshot(customer_id: str, version: int = 1, **fields: Any) -> CustomerSnapshot:
    """A business customer with every field set; ``fields`` override any of them."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": customer_id,
        "kind": CustomerKind.BUSINESS,
        "name": f"Customer {customer_id}",
        "email": f"{customer_id}@example.org",
        "phone": "+4930123456",
        "company": "Acme GmbH",
        "lifecycle_stage": LifecycleStage.PROSPECT,
        "credit_grade": CreditGrade.B,
        "operating_grade": OperatingGrade.GRADE_1,
        "owner": "rep-7",
        "source": "web",
        "tags": ["fair-2024"],
        "consent": {ConsentChannel.EMAIL: True, ConsentChannel.SMS: False},
        "city": "Berlin",
        "version": version,
        "created_at": now,
        "updated_at": now,
    }
    return CustomerSnapshot(**{**values, **fields})


def created(customer_id: str, version: int = 1, **fields: Any) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer_id,
        customer_version=version,
        customer=snapshot(customer_id, version, **fields),
    )


def updated(customer_id: str, version: int, **fields: Any) -> CustomerUpdated:
    return CustomerUpdated(
        customer_id=customer_id,
        customer_version=version,
        changed_fields=sorted(fields),
        customer=snapshot(customer_id, version, **fields),
    )


def lifecycle_changed(
    customer_id: str, version: int, to_stage: LifecycleStage
) -> CustomerLifecycleChanged:
    return CustomerLifecycleChanged(
        customer_id=customer_id,
        customer_version=version,
        from_stage=None,
        to_stage=to_stage,
        changed_at=datetime.now(UTC),
    )


def consent_changed(
    customer_id: str, version: int, channel: ConsentChannel, granted: bool
) -> CustomerConsentChanged:
    return CustomerConsentChanged(
        customer_id=customer_id,
        customer_version=version,
        channel=channel,
        granted=granted,
        changed_at=datetime.now(UTC),
    )


def credit_rated(
    customer_id: str,
    version: int,
    credit_grade: CreditGrade | None,
    operating_grade: OperatingGrade | None = None,
) -> CustomerCreditRated:
    return CustomerCreditRated(
        customer_id=customer_id,
        customer_version=version,
        credit_grade=credit_grade,
        operating_grade=operating_grade,
        basis="manual",
    )


def merged(survivor_id: str, alias_id: str, version: int, **fields: Any) -> CustomerMerged:
    return CustomerMerged(
        customer_id=survivor_id,
        customer_version=version,
        merged_customer_id=alias_id,
        customer=snapshot(survivor_id, version, **fields),
    )


def erased(customer_id: str, version: int) -> CustomerErased:
    return CustomerErased(
        customer_id=customer_id, customer_version=version, erased_at=datetime.now(UTC)
    )


def envelope_of(event: IntegrationEvent) -> CloudEvent:
    """The CloudEvent the customer service would publish for ``event``."""
    return CloudEvent(
        source="crm/customer",
        type=event.event_type,
        subject=event.subject,
        data=event.model_dump(mode="json"),
    )


async def apply_events(
    unit_of_work: Callable[[], UnitOfWork],
    handlers: HandlerMap,
    *events: IntegrationEvent,
    one_run: bool = False,
) -> None:
    """Deliver the events through the handlers as the consumer does (inbox, dispatch, one
    committed transaction per run): each event in a run of its own, or with ``one_run`` all
    of them in one run. The payload is re-read from the envelope, so it is what travels."""
    dispatcher = Dispatcher(handlers, "test")
    deliveries = []
    for event in events:
        envelope = envelope_of(event)
        deliveries.append(Delivery(envelope, type(event).model_validate(envelope.data)))
    runs = [deliveries] if one_run else [[delivery] for delivery in deliveries]
    for run in runs:
        async with unit_of_work() as uow:
            await dispatcher.apply(uow, run)
            await uow.commit()
