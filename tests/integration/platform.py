"""The whole platform in one test process: the five services as real apps (their lifespans
run the outbox relay and the consumer) on a real broker, each on its own database, driven
over HTTP through ``httpx.ASGITransport`` (``crm_shared.testing.app_client``: as an admin).

Each platform gets its own consumer-group prefix, so two platforms on one broker never split
each other's partitions, and each new platform reads its topics from the beginning (the
platform tests each start a broker of their own: ``conftest.py``; tests still use unique
customer data and look only at their own customers).
"""

import contextlib
import importlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from crm_shared.bus.outbox import OutboxRepository
from crm_shared.bus.topics import ensure_topics
from crm_shared.service import ServiceRuntime
from crm_shared.settings import ServiceSettings
from crm_shared.testing import app_client
from fastapi import FastAPI

from tests.helpers import wait_for

SERVICES: tuple[str, ...] = ("customer", "sales", "support", "marketing", "analytics")
ALL_SERVICES: tuple[str, ...] = (*SERVICES, "identity")
VIEW_SERVICES: tuple[str, ...] = ("sales", "support", "marketing")
CONSUMERS: tuple[str, ...] = (*VIEW_SERVICES, "analytics")

# How long a change may take to reach every view: a liveness bound, generous for a loaded
# 2-core CI machine (wait_for returns as soon as it holds; the benchmarks measure speed).
PROPAGATION_TIMEOUT = 60.0

DatabaseFactory = Callable[[str], Awaitable[str]]  # service name -> a fresh database URL


def fast_bus_settings(bootstrap: str, group_prefix: str) -> dict[str, Any]:
    """Settings that make the bus quick to notice things in tests."""
    return {
        "kafka_bootstrap": bootstrap,
        "kafka_idempotence": False,  # Tansu rejects the idempotent producer
        "kafka_session_timeout_ms": 2_000,
        "relay_idle_poll_seconds": 0.1,
        "relay_max_backoff_seconds": 0.5,
        "consumer_max_backoff_seconds": 0.5,
        "consumer_group_prefix": group_prefix,
        "log_json": False,
    }


def service_settings(name: str, **values: Any) -> ServiceSettings:
    """``crm_<name>.settings.<Name>Settings(**values)``."""
    module = importlib.import_module(f"crm_{name}.settings")
    settings_class: type[ServiceSettings] = getattr(module, f"{name.capitalize()}Settings")
    return settings_class(**values)


def service_app(name: str, settings: ServiceSettings, *, run_bus: bool = True) -> FastAPI:
    """``crm_<name>.app.create_app(settings, run_bus=run_bus)``."""
    module = importlib.import_module(f"crm_{name}.app")
    app: FastAPI = module.create_app(settings, run_bus=run_bus)
    return app


def new_group_prefix() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


@dataclass
class Platform:
    bootstrap: str
    database_urls: dict[str, str]
    group_prefix: str = field(default_factory=new_group_prefix)
    # Settings of one service beyond the bus's (its SMTP server, a short claim lease, ...).
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    apps: dict[str, FastAPI] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    _services: dict[str, contextlib.AsyncExitStack] = field(default_factory=dict)

    async def start(self) -> None:
        await ensure_topics(self.bootstrap, partitions=6)
        try:
            for name in SERVICES:
                await self.start_service(name)
        except BaseException:
            await self.stop()
            raise

    async def start_service(self, name: str) -> None:
        """Start ``name`` (again): a new app on the same database and consumer group, as
        a restarted process would be."""
        settings = service_settings(
            name,
            database_url=self.database_urls[name],
            **fast_bus_settings(self.bootstrap, self.group_prefix),
            **self.overrides.get(name, {}),
        )
        app = service_app(name, settings)
        stack = contextlib.AsyncExitStack()
        try:
            await stack.enter_async_context(app.router.lifespan_context(app))
            # An admin's token of the test issuer.
            client = await stack.enter_async_context(app_client(app, f"http://{name}"))
        except BaseException:
            await stack.aclose()
            raise
        self.apps[name], self.clients[name], self._services[name] = app, client, stack

    async def stop_service(self, name: str) -> None:
        """Stop ``name`` (its relay and consumer with it) until :meth:`start_service`."""
        stack = self._services.pop(name, None)
        self.apps.pop(name, None)
        self.clients.pop(name, None)
        if stack is not None:
            await stack.aclose()

    async def stop(self) -> None:
        for name in reversed(list(self._services)):
            await self.stop_service(name)

    def runtime(self, name: str) -> ServiceRuntime:
        runtime: ServiceRuntime = self.apps[name].state.runtime
        return runtime

    async def unsent(self, name: str) -> int:
        """How many events ``name`` has committed but not yet published."""
        runtime = self.runtime(name)
        async with runtime.session_factory() as session:
            return await OutboxRepository(session, runtime.tables).pending_count()

    def group(self, name: str) -> str:
        return f"{self.group_prefix}-{name}"

    # -- the customer master ---------------------------------------------------------------

    async def create_customer(self, **fields: Any) -> dict[str, Any]:
        response = await self.clients["customer"].post("/v1/customers", json=fields)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def if_match(self, customer_id: str) -> dict[str, str]:
        """``If-Match`` naming the customer's current version: every write to it needs one."""
        current = await self.clients["customer"].get(f"/v1/customers/{customer_id}")
        assert current.status_code == 200, current.text
        return {"If-Match": current.headers["ETag"]}

    async def update_customer(self, customer_id: str, **fields: Any) -> dict[str, Any]:
        response = await self.clients["customer"].patch(
            f"/v1/customers/{customer_id}",
            json=fields,
            headers=await self.if_match(customer_id),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def merge(self, survivor_id: str, duplicate_id: str) -> dict[str, Any]:
        response = await self.clients["customer"].post(
            f"/v1/customers/{survivor_id}/merge",
            json={"duplicate_id": duplicate_id},
            headers=await self.if_match(survivor_id),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def erase(self, customer_id: str, reason: str = "ticket GDPR-1") -> dict[str, Any]:
        response = await self.clients["customer"].post(
            f"/v1/customers/{customer_id}/erasure",
            json={"reason": reason},
            headers=await self.if_match(customer_id),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    # -- the views -------------------------------------------------------------------------

    async def view(self, service: str, customer_id: str) -> dict[str, Any] | None:
        """The customer as ``service`` serves it (the analytics profile for analytics);
        None while it answers 404."""
        path = f"/v1/profiles/{customer_id}" if service == "analytics" else None
        response = await self.clients[service].get(path or f"/v1/customers/{customer_id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, f"{service}: {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body

    async def wait_everywhere(
        self,
        customer_id: str,
        condition: Callable[[str, dict[str, Any]], bool],
        *,
        what: str,
        services: tuple[str, ...] = CONSUMERS,
        timeout: float = PROPAGATION_TIMEOUT,  # noqa: ASYNC109
    ) -> dict[str, dict[str, Any]]:
        """Until ``condition(service, body)`` holds for ``customer_id`` in every service;
        returns the bodies by service."""
        seen: dict[str, dict[str, Any]] = {}

        async def holds_everywhere() -> bool:
            for service in services:
                if service in seen:
                    continue
                body = await self.view(service, customer_id)
                if body is None or not condition(service, body):
                    return False
                seen[service] = body
            return True

        pending = lambda: sorted(set(services) - set(seen))  # noqa: E731
        try:
            await wait_for(holds_everywhere, timeout=timeout, interval=0.1)
        except AssertionError:
            last = {s: await self.view(s, customer_id) for s in pending()}
            raise AssertionError(
                f"{what} for {customer_id}: not reached {pending()} within {timeout}s; "
                f"they answer {last}"
            ) from None
        return seen


def has_name(name: str) -> Callable[[str, dict[str, Any]], bool]:
    """A condition for ``wait_everywhere``: the record is there, under this name."""

    def check(_service: str, body: dict[str, Any]) -> bool:
        return body["name"] == name

    return check


def is_tombstone(_service: str, body: dict[str, Any]) -> bool:
    """A condition for ``wait_everywhere``: the record answers as erased, without a name."""
    return body["status"] == "erased" and body["name"] is None


def customer_id_of(service: str, body: dict[str, Any]) -> str:
    """The id of the record a view answered with (the profile calls it customer_id)."""
    value: str = body["customer_id"] if service == "analytics" else body["id"]
    return value


def version_of(service: str, body: dict[str, Any]) -> int:
    value: int = body["version"] if service == "analytics" else body["customer_version"]
    return value


def unique_person(label: str = "Ada") -> dict[str, Any]:
    """A new individual whose name, e-mail and phone appear nowhere else on the broker."""
    token = uuid.uuid4().hex[:10]
    number = int(token[:6], 16) % 1000
    return {
        "kind": "individual",
        "name": f"{label} Tester {token}",
        "email": f"{label.lower()}.{token}@example.org",
        "phone": f"+44 20 7946 {number:04d}",
    }


def e164(phone: str) -> str:
    return phone.replace(" ", "")


# -- raw access to the broker --------------------------------------------------------------
