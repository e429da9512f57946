"""Poison messages on ``crm.customer`` go to ``crm.dlq`` with the reason, and the next good
event on the same partition is still applied by every service."""

from typing import Any

import pytest
from crm_shared.bus.topics import CUSTOMER, DEAD_LETTER
from crm_shared.contracts.customer import CustomerUpdated
from crm_shared.events import CloudEvent

from tests.helpers import wait_for
from tests.integration.platform import (
    CONSUMERS,
    Platform,
    has_name,
    unique_person,
    version_of,
)
from tests.topics import produce_raw, read_topic

pytestmark = pytest.mark.integration

GARBAGE = b"\x00\xff not a CloudEvent {"


async def test_poison_messages_are_dead_lettered_and_the_next_event_applied(
    platform: Platform,
) -> None:
    person = unique_person("Poison")
    created = await platform.create_customer(**person)
    customer_id = created["id"]
    await platform.wait_everywhere(
        customer_id, has_name(person["name"]), what="the created customer"
    )

    # Keyed by the customer's id: the same partition as the update that follows them.
    invalid_payload = CloudEvent(
        source="crm/customer",
        type=CustomerUpdated.event_type,
        subject=customer_id,
        data={"customer_id": customer_id, "customer_version": "not a number"},
    ).to_json()
    await produce_raw(platform.bootstrap, CUSTOMER, customer_id, GARBAGE, invalid_payload)

    renamed = f"{person['name']} After The Poison"
    updated = await platform.update_customer(customer_id, name=renamed)

    def has_the_update(service: str, body: dict[str, Any]) -> bool:
        return body["name"] == renamed and version_of(service, body) == updated["version"]

    await platform.wait_everywhere(customer_id, has_the_update, what="the update after poison")

    # Every consuming service dead-lettered both, with the reason and the original bytes.
    expected = {
        (platform.group(service), reason, value)
        for service in CONSUMERS
        for reason, value in (("invalid_envelope", GARBAGE), ("invalid_payload", invalid_payload))
    }

    async def our_dead_letters() -> set[tuple[str, str, bytes]]:
        letters = await read_topic(platform.bootstrap, DEAD_LETTER, customer_id)
        return {
            (headers["dlq-consumer-group"], headers["dlq-reason"], value)
            for value, headers in letters
            if headers["dlq-consumer-group"].startswith(platform.group_prefix)
        }

    await wait_for(
        lambda: _equals(our_dead_letters, expected), timeout=15, message="the dead letters"
    )
    letters = await read_topic(platform.bootstrap, DEAD_LETTER, customer_id)
    for _, headers in letters:
        assert headers["dlq-source-topic"] == CUSTOMER
        assert headers["dlq-error"]
        assert int(headers["dlq-source-offset"]) >= 0
    invalid = [h for v, h in letters if v == invalid_payload]
    assert all("customer_version" in h["dlq-error"] for h in invalid), invalid


async def _equals(probe: Any, expected: object) -> bool:
    return bool(await probe() == expected)
