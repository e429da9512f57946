"""Reconciliation under faults: customers are created and updated over HTTP while the customer
service (whose relay publishes them), a view service and analytics are killed with SIGKILL and
started again by `crm up`. At the end the master holds each customer exactly once, and every
view and every profile equals the master: the same customers, names and versions.

Writers retry what a crash interrupted as a real client would: a create with the same
Idempotency-Key (so a create whose answer was lost is not made twice), an update after
re-reading the record when its If-Match no longer matches.
"""

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.e2e.launcher import Launcher, child_running, stop_with_sigint_and_check_everything_ended
from tests.helpers import wait_for
from tests.integration.platform import VIEW_SERVICES

pytestmark = pytest.mark.e2e

WRITERS = 4
UPDATES_PER_CUSTOMER = 2
PAUSE_BETWEEN_CUSTOMERS = 0.05  # seconds: keeps writes flowing through every outage
KILLED = ("customer", "analytics", "sales")  # the relay's service, then two consumers

Record = tuple[str, int]  # (name, the master's version)


class Writer:
    """Creates customers one after another, updating each a few times, until stopped."""

    def __init__(self, http: httpx.AsyncClient, launcher: Launcher, tag: str) -> None:
        self.http, self.launcher, self.tag = http, launcher, tag
        self.created: list[str] = []
        self.unanswered = 0  # calls that found the customer service down or failing
        self.stop = asyncio.Event()

    def url(self, path: str) -> str:
        return self.launcher.url("customer", path)

    async def run(self, number: int) -> None:
        n = 0
        while not self.stop.is_set():
            await self.create_and_update(f"{self.tag} {number}x{n}")
            n += 1
            await asyncio.sleep(PAUSE_BETWEEN_CUSTOMERS)

    async def until_answered(self, call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        """``call`` again until the service answers with something other than 5xx: what a
        client does while a service is down or starting again."""
        for _ in range(900):
            try:
                response = await call()
                if response.status_code < 500:
                    return response
            except httpx.TransportError:
                pass
            self.unanswered += 1
            await asyncio.sleep(0.1)
        raise AssertionError("the customer service did not come back within 90 s")

    async def create_and_update(self, label: str) -> None:
        person = {
            "kind": "individual",
            "name": f"{label} v0",
            "email": f"{label.replace(' ', '.')}@example.org",
            "tags": [self.tag],
        }
        key = str(uuid.uuid4())
        created = await self.until_answered(
            lambda: self.http.post(
                self.url("/v1/customers"), json=person, headers={"Idempotency-Key": key}
            )
        )
        assert created.status_code == 201, created.text
        customer_id: str = created.json()["id"]
        self.created.append(customer_id)
        etag = created.headers["ETag"]
        for version in range(1, UPDATES_PER_CUSTOMER + 1):
            etag = await self.rename(customer_id, etag, f"{label} v{version}")

    async def rename(self, customer_id: str, etag: str, name: str) -> str:
        """The new ETag once the customer bears ``name``."""
        path = f"/v1/customers/{customer_id}"
        while True:
            patched = await self.until_answered(
                lambda: self.http.patch(
                    self.url(path),
                    json={"name": name},
                    headers={"If-Match": etag},  # noqa: B023 (awaited in this iteration)
                )
            )
            if patched.status_code == 200:
                return patched.headers["ETag"]
            # 412: the update landed but its answer was lost in the crash, or the record
            # moved on; read it again.
            assert patched.status_code == 412, patched.text
            current = await self.until_answered(lambda: self.http.get(self.url(path)))
            etag = current.headers["ETag"]
            if current.json()["name"] == name:
                return etag


async def kill_and_wait_for_restart(launcher: Launcher, service: str) -> None:
    mark = len(launcher.lines)
    os.kill(child_running(launcher, f"-m crm_{service}"), signal.SIGKILL)
    await launcher.wait_for_line(f"{service} crashed (killed by SIGKILL)", after=mark, within=15)
    await launcher.wait_for_line(f"{service} is ready again", after=mark, within=90)
    # The restarted process is a child too: the end of the test must see it gone.
    launcher.children |= launcher.current_children()


async def every_item(http: httpx.AsyncClient, url: str, **params: str) -> list[dict[str, Any]]:
    """Every item of a cursor-paginated list."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = {**params, "limit": "100", **({"cursor": cursor} if cursor else {})}
        response = await http.get(url, params=page)
        response.raise_for_status()
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_every_view_equals_the_master_after_kills_during_writes(launcher: Launcher) -> None:
    await launcher.wait_for_output("all services ready", within=120)
    launcher.children = launcher.current_children()
    tag = f"recon-{uuid.uuid4().hex[:10]}"

    async with launcher.client() as http:
        writers = [Writer(http, launcher, tag) for _ in range(WRITERS)]
        writing = asyncio.gather(*(writer.run(n) for n, writer in enumerate(writers)))
        try:
            await wait_for(
                lambda: all(writer.created for writer in writers), timeout=60, message="creates"
            )
            for service in KILLED:
                await kill_and_wait_for_restart(launcher, service)
            for writer in writers:
                writer.stop.set()
            await writing
        finally:
            writing.cancel()
        created = sorted(customer_id for writer in writers for customer_id in writer.created)
        # The customer service's crash did interrupt writes (they were retried).
        assert sum(writer.unanswered for writer in writers) > 0

        # The master holds each customer once, with every update.
        master: dict[str, Record] = {
            item["id"]: (item["name"], item["version"])
            for item in await every_item(http, launcher.url("customer", "/v1/customers"), tag=tag)
        }
        assert len(set(created)) == len(created)
        assert sorted(master) == created
        assert all(name.endswith(f" v{UPDATES_PER_CUSTOMER}") for name, _ in master.values())

        async def view_of(service: str) -> dict[str, Record]:
            if service == "analytics":
                url = launcher.url("analytics", "/v1/profiles")
                profiles = await every_item(http, url, tag=tag)
                return {p["customer_id"]: (p["name"], p["version"]) for p in profiles}
            url = launcher.url(service, "/v1/customers")
            customers = await every_item(http, url, name=tag)
            return {c["id"]: (c["name"], c["customer_version"]) for c in customers}

        for service in (*VIEW_SERVICES, "analytics"):

            async def equals_the_master(service: str = service) -> bool:
                return await view_of(service) == master

            await wait_for(
                equals_the_master,
                timeout=90,
                interval=0.5,
                message=f"the {service} view to equal the master",
                ignore=(httpx.TransportError, httpx.HTTPStatusError),
            )

    await stop_with_sigint_and_check_everything_ended(launcher)
