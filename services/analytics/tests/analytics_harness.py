"""The analytics tests' harness: real ``crm.customer`` contract events in CloudEvents
envelopes, a way to apply them through the service's own handlers (the consumer's
transaction, without the broker), and ways to read the result back."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from crm_analytics.handlers import HANDLERS, profile_projection
from crm_analytics.timeline.models import TimelineEntry
from crm_shared.bus.handlers import Delivery
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
from crm_shared.events import CloudEvent, IntegrationEvent
from crm_shared.testing import deliver as deliver_events
from crm_shared.testing import deliveries_of
from fastapi import FastAPI
from sqlalchemy import func, select

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TIMELINE_SIZE = 5  # the profile embeds this many timeline entries in the tests

# Values a test can look for after erasure: none of them may be left anywhere.
PERSONAL = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0000",
    "company": "Analytical Engines Ltd",
    "city": "London",
    "region": "Greater London",
    "industry": "computing",
    "tags": ["poet-of-science"],
    "segmentation": {"income_band": "high"},
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def snapshot(customer_id: str, version: int, **fields: Any) -> CustomerSnapshot:
    values: dict[str, Any] = {
        "id": customer_id,
        "kind": CustomerKind.INDIVIDUAL,
        "lifecycle_stage": LifecycleStage.PROSPECT,
        "credit_grade": CreditGrade.B,
        "operating_grade": OperatingGrade.GRADE_1,
        "owner": "rep-7",
        "source": "web",
        "consent": {ConsentChannel.EMAIL: True, ConsentChannel.SMS: False},
        "birth_date": "1815-12-10",
        "version": version,
        "created_at": T0,
        "updated_at": T0,
        **PERSONAL,
    }
    return CustomerSnapshot.model_validate({**values, **fields})


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
    customer_id: str,
    version: int,
    to_stage: LifecycleStage,
    from_stage: LifecycleStage | None = LifecycleStage.PROSPECT,
    reason: str | None = None,
    changed_at: datetime = T0,
) -> CustomerLifecycleChanged:
    return CustomerLifecycleChanged(
        customer_id=customer_id,
        customer_version=version,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        changed_by="rep-7",
        changed_at=changed_at,
    )


def consent_changed(
    customer_id: str,
    version: int,
    channel: ConsentChannel,
    granted: bool,
    changed_at: datetime = T0,
    source: str | None = "preference centre",
) -> CustomerConsentChanged:
    return CustomerConsentChanged(
        customer_id=customer_id,
        customer_version=version,
        channel=channel,
        granted=granted,
        source=source,
        changed_at=changed_at,
    )


def credit_rated(
    customer_id: str,
    version: int,
    credit_grade: CreditGrade | None,
    operating_grade: OperatingGrade | None = None,
    reason: str | None = None,
) -> CustomerCreditRated:
    return CustomerCreditRated(
        customer_id=customer_id,
        customer_version=version,
        credit_grade=credit_grade,
        operating_grade=operating_grade,
        basis="manual",
        reason=reason,
        rated_by="controller-1",
    )


def merged(survivor_id: str, alias_id: str, version: int, **fields: Any) -> CustomerMerged:
    return CustomerMerged(
        customer_id=survivor_id,
        customer_version=version,
        merged_customer_id=alias_id,
        customer=snapshot(survivor_id, version, **fields),
    )


def erased(customer_id: str, version: int, erased_at: datetime = T0) -> CustomerErased:
    return CustomerErased(customer_id=customer_id, customer_version=version, erased_at=erased_at)


def envelope(event: IntegrationEvent, time: datetime, event_id: UUID | None = None) -> CloudEvent:
    """The event as the consumer receives it: serialised, then read back from JSON."""
    sent = CloudEvent(
        id=event_id or uuid4(),
        source="crm/customer",
        type=event.event_type,
        subject=event.customer_id,
        time=time,
        data=event.model_dump(mode="json"),
    )
    return CloudEvent.from_json(sent.to_json())


async def deliver(
    app: FastAPI, event: IntegrationEvent, time: datetime, event_id: UUID | None = None
) -> CloudEvent:
    """Run the service's handler for ``event`` in one unit of work and commit it."""
    received = envelope(event, time, event_id)
    await deliver_events(app.state.runtime.unit_of_work, HANDLERS, deliveries_of(received))
    return received


async def profile_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/profiles/{customer_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def timeline_of(client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/profiles/{customer_id}/timeline", params={"limit": 200})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def timeline_row_count(app: FastAPI, customer_id: str | None = None) -> int:
    async with app.state.runtime.session_factory() as session:
        statement = select(func.count()).select_from(TimelineEntry)
        if customer_id is not None:
            statement = statement.where(TimelineEntry.customer_id == customer_id)
        return int(await session.scalar(statement) or 0)


def assert_no_personal_data(document: object) -> None:
    text = str(document)
    for value in PERSONAL.values():
        for piece in value if isinstance(value, list) else [value]:
            assert str(piece) not in text, f"{piece!r} survived erasure"
    assert "1815-12-10" not in text
    assert "income_band" not in text


async def record_other_event(
    app: FastAPI, event_type: str, time: datetime, data: dict[str, Any]
) -> None:
    """An event of another service (no contract registered yet) through the timeline-only
    handler that every such type gets."""
    other = CloudEvent(
        source=f"crm/{event_type.split('.')[1]}",
        type=event_type,
        subject=data["customer_id"],
        time=time,
        data=data,
    )
    payload = _OtherServiceEvent(customer_id=data["customer_id"])
    async with app.state.runtime.unit_of_work() as uow:
        await profile_projection(uow, [Delivery(other, payload)])
        await uow.commit()


class _OtherServiceEvent(IntegrationEvent):
    """Stands for the payload of a type whose contract is not registered yet."""

    customer_id: str
