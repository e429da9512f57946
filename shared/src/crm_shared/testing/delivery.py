"""Deliver events to a service's handlers as its consumer would, without a broker."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from crm_shared.bus.handlers import Delivery, Dispatcher, HandlerMap
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent, parse_payload


def deliveries_of(
    *items: IntegrationEvent | CloudEvent, source: str = "crm/test"
) -> list[Delivery]:
    """Each event in the envelope its producer would send, read back from the wire as a
    consumer reads it (so the payload is exactly what travels)."""
    deliveries = []
    for item in items:
        envelope = item if isinstance(item, CloudEvent) else envelope_of(item, source)
        received = CloudEvent.from_json(envelope.to_json())
        deliveries.append(Delivery(received, parse_payload(received)))
    return deliveries


async def deliver(
    unit_of_work: Callable[[], UnitOfWork],
    handlers: HandlerMap,
    deliveries: Sequence[Delivery],
    *,
    one_run: bool = False,
) -> list[Delivery]:
    """Apply through the inbox and the handlers, one committed transaction per run: each
    delivery a run of its own, or with ``one_run`` all of them together. Returns the
    deliveries that were new (the others were already in the inbox)."""
    dispatcher = Dispatcher(handlers, "test")
    runs = [list(deliveries)] if one_run else [[delivery] for delivery in deliveries]
    new = []
    for run in runs:
        async with unit_of_work() as uow:
            new += await dispatcher.apply(uow, run)
            await uow.commit()
    return new


def envelope_of(
    event: IntegrationEvent,
    source: str = "crm/test",
    *,
    time: datetime | None = None,
    event_id: UUID | None = None,
) -> CloudEvent:
    """The envelope a producer at ``source`` would send for ``event`` (sent now, with a new
    id, unless ``time`` and ``event_id`` say otherwise)."""
    return CloudEvent(
        id=event_id or uuid4(),
        source=source,
        type=event.event_type,
        time=time or datetime.now(UTC),
        subject=event.subject,
        data=event.model_dump(mode="json"),
    )
