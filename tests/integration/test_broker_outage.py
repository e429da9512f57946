"""The broker stops and comes back while every service runs: nothing is lost.

The bundled broker is memory-only, so the one that comes back has no topics, no events and
no committed offsets. The customer master's outbox holds what was written during the
outage; its relay notices that the broker lost what it had acknowledged and publishes its
kept events again; the consumers re-read from the start, and their inboxes make the repeats
no-ops. This test runs its own broker: the session's must never be restarted.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from crm_launcher.broker import BundledBroker, free_port
from crm_shared.bus.topics import CUSTOMER

from tests.helpers import wait_for
from tests.integration.platform import (
    SERVICES,
    Platform,
    has_name,
    unique_person,
)
from tests.topics import read_topic

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_broker(tmp_path: Path) -> AsyncIterator[BundledBroker]:
    broker = BundledBroker(port=free_port(), log=tmp_path / "tansu.log")
    await broker.start_async()
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)


async def unsent_in_customer_outbox(platform: Platform) -> int:
    return await platform.unsent("customer")


async def test_customers_written_before_during_and_after_an_outage_reach_every_view(
    own_broker: BundledBroker, make_database: Callable[[str], Awaitable[str]]
) -> None:
    platform = Platform(own_broker.bootstrap, {n: await make_database(n) for n in SERVICES})
    await platform.start()
    try:
        people: dict[str, dict[str, Any]] = {}

        async def create(moment: str) -> str:
            person = unique_person(moment.capitalize())
            customer_id = (await platform.create_customer(**person))["id"]
            people[customer_id] = person
            return customer_id

        async def arrives(customer_id: str, timeout: float) -> None:  # noqa: ASYNC109
            name = people[customer_id]["name"]
            await platform.wait_everywhere(
                customer_id,
                has_name(name),
                what=f"{name} in every view",
                timeout=timeout,
            )

        before = await create("before")
        await arrives(before, timeout=20)

        await asyncio.to_thread(own_broker.stop)
        during = await create("during")  # the customer master still takes writes
        await wait_for(
            lambda: unsent_in_customer_outbox(platform),
            timeout=5,
            message="the event written during the outage to wait in the outbox",
        )
        # The views still answer from their own databases while the broker is away.
        assert await platform.view("sales", before) is not None
        assert await platform.view("analytics", during) is None

        await own_broker.start_async()  # memory-only: no topics, events or offsets any more
        after = await create("after")

        for customer_id in (during, after, before):
            await arrives(customer_id, timeout=25)
        await wait_for(
            lambda: outbox_drained(platform),
            timeout=10,
            message="the customer master's outbox to drain",
        )
        # What the lost log held was published again (not only what was still unsent).
        # The relay notices the loss at its next log check (every 2 s when idle) or on an
        # acknowledgement below an earlier one; the bound is generous for a loaded machine.
        await wait_for(
            lambda: read_topic(own_broker.bootstrap, CUSTOMER, before),
            timeout=45,
            message="the event acknowledged before the outage to be published again",
        )
    finally:
        await platform.stop()


async def outbox_drained(platform: Platform) -> bool:
    return await unsent_in_customer_outbox(platform) == 0
