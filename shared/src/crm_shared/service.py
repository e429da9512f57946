"""The composition root of a service: one place wires database, bus and HTTP together.

A service describes itself with a :class:`ServiceDefinition` (its settings, tables,
migrations, routers, its ``{event: handler}`` map, its timer handlers and recurring
schedules, and its background workers) and gets a FastAPI app whose lifespan migrates the
database, starts the workers (housekeeping, timers, outbox relay, consumer) and stops them
cleanly. Each worker shows in ``/readyz`` and in ``/metrics`` (``crm_worker_up``,
``crm_worker_ready``).
"""

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

import crm_shared.contracts  # noqa: F401  (registers every event type for validation)
from crm_shared.api import admin, audit, observability
from crm_shared.api.auth import install_token_verifier
from crm_shared.api.conventions import http_app
from crm_shared.api.ratelimit import install_rate_limits
from crm_shared.auth.jwks import RemoteJwks
from crm_shared.auth.tokens import PrincipalSource, TokenVerifier, TrustedIssuers
from crm_shared.bus.consumer import EventConsumer
from crm_shared.bus.handlers import HandlerMap
from crm_shared.bus.relay import OutboxRelay
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.db.audit import Actor
from crm_shared.db.engine import create_engine, is_postgres, is_sqlite
from crm_shared.db.migrations import upgrade_to_head
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.uow import UnitOfWork
from crm_shared.logging import configure_logging
from crm_shared.metrics import WORKER_READY, WORKER_UP
from crm_shared.settings import ServiceSettings
from crm_shared.timers import AnyTimerHandler, Schedule, TimerSettings, TimerWorker
from crm_shared.workers import STANDARD_WORKERS, Worker, WorkerFactory

log = logging.getLogger(__name__)


@dataclass
class ServiceDefinition:
    settings: ServiceSettings
    tables: PlatformTables
    migrations: Path
    routers: Sequence[APIRouter]
    title: str
    description: str = ""
    handlers: HandlerMap = field(default_factory=dict)
    consumes: tuple[str, ...] = ()
    # False in API tests that need no broker: events stay in the outbox, where tests read them.
    run_bus: bool = True
    # Every "now" of the service's domain code comes from here (tests inject a FakeClock).
    clock: Clock = SYSTEM_CLOCK
    # {timer kind: async (uow, timer) -> None, or a TwoPhaseTimerHandler for slow outside
    # work} and recurring schedules (crm_shared.timers).
    timers: Mapping[str, AnyTimerHandler] = field(default_factory=dict)
    schedules: Sequence[Schedule] = ()
    timer_settings: TimerSettings = field(default_factory=TimerSettings)
    # The background workers, started in this order; each factory returns None where it has
    # nothing to do (no bus, no event handlers, no timers). Add a service's own to these.
    workers: Sequence[WorkerFactory] = STANDARD_WORKERS


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition) -> None:
        self.definition = definition
        self.settings = definition.settings
        self.tables = definition.tables
        self.engine = create_engine(self.settings.database_url)
        self.session_factory = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = (
            create_engine(self.settings.database_url, read_only=True)
            if is_sqlite(self.settings.database_url)
            # PostgreSQL: the same pool, each statement on its own. At READ COMMITTED the
            # statements of a transaction each see a snapshot of their own anyway, so the
            # BEGIN and ROLLBACK round trips around every read bought nothing (they were a
            # tenth of a profile read). Nothing that writes runs on this engine.
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.read_session_factory = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.relay = OutboxRelay(
            self.settings,
            self.session_factory,
            self.tables,
            self.read_session_factory,
            clock=definition.clock,
        )
        self.consumer: EventConsumer | None = None
        if definition.handlers:
            # What a consumer's handlers change is audited as the service acting on an event.
            event_unit = functools.partial(
                self.unit_of_work, actor=Actor.event(self.settings.service_name)
            )
            self.consumer = EventConsumer(
                self.settings, definition.consumes, definition.handlers, event_unit
            )
        self.timers: TimerWorker | None = None
        if definition.timers or definition.schedules:
            self.timers = TimerWorker(
                service=self.settings.service_name,
                tables=self.tables,
                unit_of_work=self.unit_of_work,
                read_session_factory=self.read_session_factory,
                clock=definition.clock,
                handlers=definition.timers,
                schedules=definition.schedules,
                settings=definition.timer_settings,
                skip_locked=is_postgres(self.settings.database_url),
            )
        self._system_actor = Actor.system(self.settings.service_name)
        self.workers: dict[str, Worker] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._worker_tasks: dict[str, asyncio.Task[None]] = {}

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        correlation_id: str | None = None,
        actor: Actor | None = None,
    ) -> UnitOfWork:
        """``actor``: who the unit acts for (the audit log's "who"); the service itself
        (``system:<service>``) when not given, as for timers and housekeeping."""
        return UnitOfWork(
            self.read_session_factory if read_only else self.session_factory,
            self.tables,
            source=f"crm/{self.settings.service_name}",
            on_commit=self.relay.notify,
            clock=self.definition.clock,
            correlation_id=correlation_id,
            actor=actor or self._system_actor,
        )

    async def start(self) -> None:
        await upgrade_to_head(self.engine, self.definition.migrations)
        for factory in self.definition.workers:
            worker = factory(self)
            if worker is not None:
                self._spawn(worker)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.engine.dispose()
        await self.read_engine.dispose()

    async def readiness(self) -> dict[str, str]:
        return {
            "database": await self._check_database(),
            "broker": await self._check_broker(),
            "workers": self._check_workers(),
        }

    def worker_status(self) -> dict[str, str]:
        """Each worker's readiness: "ok", "stopped", or why it is not ready yet."""
        return {
            name: "stopped" if self._worker_tasks[name].done() else worker.ready()
            for name, worker in self.workers.items()
        }

    def _check_workers(self) -> str:
        """The workers never end on their own: one that did is a service that no longer
        publishes, consumes or fires timers, which must not look ready; nor is a consumer
        that has not been given its partitions yet."""
        stopped = [task.get_name() for task in self._tasks if task.done()]
        if stopped:
            return f"stopped: {', '.join(stopped)}"
        waiting = [f"{name} ({status})" for name, status in self.worker_status().items()]
        waiting = [entry for entry in waiting if not entry.endswith("(ok)")]
        return f"not ready: {', '.join(waiting)}" if waiting else "ok"

    def _spawn(self, worker: Worker) -> None:
        service = self.settings.service_name
        task = asyncio.create_task(worker.run(), name=f"{service}-{worker.name}")
        task.add_done_callback(_report_crash)
        self._tasks.append(task)
        self.workers[worker.name] = worker
        self._worker_tasks[worker.name] = task

        def up() -> float:
            return 0.0 if task.done() else 1.0

        def ready() -> float:
            return 1.0 if not task.done() and worker.ready() == "ok" else 0.0

        WORKER_UP.labels(service, worker.name).set_function(up)
        WORKER_READY.labels(service, worker.name).set_function(ready)

    async def _check_database(self) -> str:
        try:
            async with self.read_engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
            return "ok"
        except Exception as error:
            return f"unreachable: {error!r}"[:300]

    async def _check_broker(self) -> str:
        if not self.definition.run_bus:
            return "ok"
        admin_client = AIOKafkaAdminClient(
            bootstrap_servers=self.settings.kafka_bootstrap, request_timeout_ms=2000
        )
        try:
            await asyncio.wait_for(admin_client.start(), timeout=3)
            return "ok"
        except Exception as error:
            return f"unreachable: {error!r}"[:300]
        finally:
            with contextlib.suppress(Exception):
                await admin_client.close()


def _report_crash(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_name(), exc_info=task.exception())


def create_service_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(definition)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = http_app(
        settings,
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
    )
    # Every /v1 route declares its permission; tokens are checked locally against the
    # issuer's keys (a service that issues its own, or a test, installs another verifier).
    install_token_verifier(app, token_verifier(settings, definition.clock))
    install_rate_limits(app, settings, definition.clock)
    app.include_router(observability.router)
    app.include_router(admin.router)
    app.include_router(admin.catalog_router)
    app.include_router(audit.router)
    for router in definition.routers:
        app.include_router(router)
    return app


def token_verifier(settings: ServiceSettings, clock: Clock) -> PrincipalSource:
    """Who the service believes: the issuer's tokens, checked locally against its cached
    keys, and where one is set, the people's OpenID Connect provider's too."""

    def trusting(issuer: str, jwks_url: str, *, people_only: bool = False) -> TokenVerifier:
        keys = RemoteJwks(jwks_url, cache_seconds=settings.auth_jwks_cache_seconds, clock=clock)
        return TokenVerifier(
            issuer,
            settings.auth_audience,
            keys,
            clock=clock,
            remember_seconds=settings.auth_token_cache_seconds,
            people_only=people_only,
        )

    issuer = trusting(settings.auth_issuer, settings.auth_jwks_url)
    if not settings.auth_people_issuer:
        return issuer
    people = trusting(settings.auth_people_issuer, settings.auth_people_jwks_url, people_only=True)
    return TrustedIssuers([issuer, people])


def serve(app_factory: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Run one service in this process (``python -m crm_<service>``)."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(
        app_factory(),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,  # no "server: uvicorn": what runs is nobody else's business
        timeout_graceful_shutdown=10,
    )
