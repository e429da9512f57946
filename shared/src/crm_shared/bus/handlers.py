"""The ``{event: [handlers]}`` map and how a run of events is dispatched through it.

A consumer hands a run of one partition's events (validated, in order) to the handlers. Two
kinds of handler:

- a **batch handler** ``async (uow, deliveries) -> None`` gets every event of the run that it
  is registered for, in partition order, and applies them with set-based statements
  (projections; declare one with :func:`batch_handler`);
- an **event handler** ``async (uow, event, envelope) -> None`` gets one event at a time
  (simpler where there are few events, or a use case per event).

Several handlers may be registered for one event type; each is an independent projection
and sees its events in partition order (so per-key order holds for each). A handler
registered for several types gets them together, interleaved as they arrived. Within a run
the handlers are called in one order that keeps every event type's list in its order (a
handler that reads what another writes, listed after it, runs after it even when the run's
first event is of a type the writer does not take).
"""

import heapq
import itertools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, runtime_checkable

from aiokafka.structs import ConsumerRecord

from crm_shared.bus.inbox import InboxRepository
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent


@dataclass(frozen=True)
class Delivery:
    """One event of a run: its envelope, its validated payload, and the Kafka record it
    came in (None when a test or a replay delivers it directly)."""

    envelope: CloudEvent
    event: Any  # an instance of the IntegrationEvent class registered for envelope.type
    record: ConsumerRecord[bytes, bytes] | None = None

    @property
    def id(self) -> str:
        return str(self.envelope.id)

    @property
    def offset(self) -> int:
        return self.record.offset if self.record is not None else -1


EventHandler: TypeAlias = Callable[[UnitOfWork, Any, CloudEvent], Awaitable[None]]


@runtime_checkable
class BatchHandler(Protocol):
    handles_batches: bool

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None: ...


Handler: TypeAlias = EventHandler | BatchHandler
HandlerMap: TypeAlias = Mapping[type[IntegrationEvent], Handler | Sequence[Handler]]


def combine(*maps: HandlerMap) -> HandlerMap:
    """One map from several (a service's aggregates each bring theirs): an event type's
    handlers from every map, in order."""
    combined: dict[type[IntegrationEvent], list[Handler]] = {}
    for handler_map in maps:
        for event, registered in handler_map.items():
            handlers = [registered] if callable(registered) else list(registered)
            combined.setdefault(event, []).extend(handlers)
    return combined


BatchFunction = Callable[[UnitOfWork, Sequence[Delivery]], Awaitable[None]]


def batch_handler(function: BatchFunction) -> BatchHandler:
    """Mark ``async (uow, deliveries)`` as a handler that takes a whole run."""
    function.handles_batches = True  # type: ignore[attr-defined]
    return function  # type: ignore[return-value]


def is_batch_handler(handler: object) -> bool:
    return bool(getattr(handler, "handles_batches", False))


class Dispatcher:
    """Routes the events of a run to their handlers, after dropping the ones already seen."""

    def __init__(self, handlers: HandlerMap, consumer_name: str) -> None:
        self.consumer_name = consumer_name
        self._by_type: dict[str, list[Handler]] = {}
        for event, registered in handlers.items():
            listed = [registered] if callable(registered) else list(registered)
            self._by_type.setdefault(event.event_type, []).extend(listed)
        self._rank = _rank_of_handlers(self._by_type.values())

    def handles(self, event_type: str) -> bool:
        return event_type in self._by_type

    @property
    def event_types(self) -> list[str]:
        return list(self._by_type)

    async def apply(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> list[Delivery]:
        """Record the run in the inbox (one statement) and apply the new events; returns
        those that were new. Nothing here commits."""
        fresh = _first_of_each_id(deliveries)
        inbox = InboxRepository(uow.session, uow.tables)
        new_ids = await inbox.record_new(
            [(d.id, d.envelope.type) for d in fresh], self.consumer_name, uow.clock.now()
        )
        new = [d for d in fresh if d.id in new_ids]
        for handler, its_deliveries in self._plan(new):
            if is_batch_handler(handler):
                await handler(uow, its_deliveries)  # type: ignore[call-arg]
            else:
                for delivery in its_deliveries:
                    await handler(uow, delivery.event, delivery.envelope)  # type: ignore[call-arg]
        return new

    def _plan(self, deliveries: Iterable[Delivery]) -> list[tuple[Handler, list[Delivery]]]:
        """Each handler with the events it takes, handlers in the map's order."""
        plan: dict[int, tuple[Handler, list[Delivery]]] = {}
        for delivery in deliveries:
            for handler in self._by_type.get(delivery.envelope.type, ()):
                plan.setdefault(id(handler), (handler, []))[1].append(delivery)
        return sorted(plan.values(), key=lambda entry: self._rank[id(entry[0])])


def _rank_of_handlers(lists: Iterable[Sequence[Handler]]) -> dict[int, int]:
    """One order of all handlers that keeps each list's order (a topological order of
    "listed before"; among handlers free to go, the one met first in the map goes first).
    Raises ValueError when two lists order two handlers both ways."""
    first_seen: dict[int, int] = {}
    handler_of: dict[int, Handler] = {}
    after: dict[int, set[int]] = {}
    waiting_on: dict[int, int] = {}
    for handlers in lists:
        for handler in handlers:
            key = id(handler)
            if key not in first_seen:
                first_seen[key], handler_of[key] = len(first_seen), handler
                after[key], waiting_on[key] = set(), 0
        for earlier, later in itertools.pairwise(handlers):
            if id(earlier) != id(later) and id(later) not in after[id(earlier)]:
                after[id(earlier)].add(id(later))
                waiting_on[id(later)] += 1
    ready = [(seen, key) for key, seen in first_seen.items() if waiting_on[key] == 0]
    heapq.heapify(ready)
    rank: dict[int, int] = {}
    while ready:
        _, key = heapq.heappop(ready)
        rank[key] = len(rank)
        for successor in after[key]:
            waiting_on[successor] -= 1
            if waiting_on[successor] == 0:
                heapq.heappush(ready, (first_seen[successor], successor))
    if len(rank) < len(first_seen):
        tangled = [handler_of[key] for key in first_seen if key not in rank]
        raise ValueError(f"the handler map orders these handlers both ways: {tangled!r}")
    return rank


def _first_of_each_id(deliveries: Sequence[Delivery]) -> list[Delivery]:
    seen: set[str] = set()
    unique = []
    for delivery in deliveries:
        if delivery.id not in seen:
            seen.add(delivery.id)
            unique.append(delivery)
    return unique
