"""A service's background workers: what the runtime starts beside the HTTP server.

A :class:`Worker` is a name, a coroutine factory that runs until cancelled, and a readiness
check (``"ok"`` or why not). A service definition lists worker factories; each gets the
running service (a :class:`WorkerHost`: :class:`~crm_shared.service.ServiceRuntime` is one)
and returns its worker, or None where it has nothing to do. The standard ones are the outbox
relay, the consumer, the timer worker and housekeeping; a service adds its own by listing
``(*STANDARD_WORKERS, its_factory)``.
"""

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeAlias

from crm_shared.api.idempotency import delete_expired_keys
from crm_shared.bus.consumer import EventConsumer
from crm_shared.bus.relay import OutboxRelay
from crm_shared.db.audit_log import purge_audit_entries
from crm_shared.runtime import Runtime
from crm_shared.timers import TimerSettings, TimerWorker
from crm_shared.timers.worker import delete_fired_timers

HOUSEKEEPING_SECONDS = 600.0


def _always_ready() -> str:
    return "ok"


@dataclass(frozen=True)
class Worker:
    name: str
    run: Callable[[], Coroutine[Any, Any, None]]
    # "ok", or why the worker is not ready (shown in /readyz; anything but "ok" is not ready)
    ready: Callable[[], str] = _always_ready


class WorkerDefinition(Protocol):
    """The parts of the service definition the standard workers read."""

    @property
    def run_bus(self) -> bool: ...

    @property
    def timer_settings(self) -> TimerSettings: ...


class WorkerHost(Runtime, Protocol):
    """What a worker factory gets: the running service (a protocol, so that this module need
    not import ``crm_shared.service``, which imports it)."""

    @property
    def definition(self) -> WorkerDefinition: ...

    @property
    def relay(self) -> OutboxRelay: ...

    @property
    def consumer(self) -> EventConsumer | None: ...

    @property
    def timers(self) -> TimerWorker | None: ...


WorkerFactory: TypeAlias = Callable[[WorkerHost], Worker | None]


def housekeeping_worker(runtime: WorkerHost) -> Worker:
    async def run() -> None:
        keys = timedelta(hours=runtime.settings.idempotency_retention_hours)
        timers = timedelta(days=runtime.definition.timer_settings.retention_days)
        audit = timedelta(days=runtime.settings.audit_retention_days)
        while True:
            with contextlib.suppress(Exception):
                async with runtime.unit_of_work() as uow:
                    await delete_expired_keys(uow, keys)
                    await delete_fired_timers(uow, timers)
                    await purge_audit_entries(uow, audit)
                    await uow.commit()
            await asyncio.sleep(HOUSEKEEPING_SECONDS)

    return Worker("housekeeping", run)


def timer_worker(runtime: WorkerHost) -> Worker | None:
    timers = runtime.timers
    if timers is None:
        return None
    return Worker("timers", timers.run, timers.ready)


def relay_worker(runtime: WorkerHost) -> Worker | None:
    if not runtime.definition.run_bus:
        return None
    return Worker("outbox-relay", runtime.relay.run)


def consumer_worker(runtime: WorkerHost) -> Worker | None:
    consumer = runtime.consumer
    if consumer is None or not runtime.definition.run_bus:
        return None
    return Worker("consumer", consumer.run, lambda: consumer_readiness(consumer))


def consumer_readiness(consumer: EventConsumer) -> str:
    """Ready once the group has assigned this member its partitions (``joined``): before
    that, events written now would wait for the join to be applied."""
    joined = getattr(consumer, "joined", None)
    if joined is None:  # a consumer without the flag: connected is the best we know
        return "ok" if consumer.running.is_set() else "connecting"
    return "ok" if joined.is_set() else "waiting for partitions"


# Housekeeping first: the order in which they start and are listed.
STANDARD_WORKERS: tuple[WorkerFactory, ...] = (
    housekeeping_worker,
    timer_worker,
    relay_worker,
    consumer_worker,
)
