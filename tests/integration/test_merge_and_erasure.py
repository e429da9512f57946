"""Merge and erasure in the customer master reach every view and the analytics profile:
an alias resolves to the survivor everywhere; after erasure no service answers with any of
the person's data, on any of its endpoints."""

import json
from typing import Any

import pytest

from tests.integration.platform import (
    CONSUMERS,
    VIEW_SERVICES,
    Platform,
    customer_id_of,
    e164,
    has_name,
    is_tombstone,
    unique_person,
)

pytestmark = pytest.mark.integration


def personal_strings(*people: dict[str, Any]) -> list[str]:
    """Every way a person's data could show up in a JSON body (matched case-insensitively)."""
    found: list[str] = []
    for person in people:
        found += [person[key] for key in ("name", "email", "company") if key in person]
        if "phone" in person:
            found += [person["phone"], e164(person["phone"])]
    return found


async def bodies_about(platform: Platform, *customer_ids: str) -> dict[str, str]:
    """What every service answers about these customers, on every endpoint that can show
    them, as JSON text keyed by "<service> GET <path>"."""
    paths: dict[str, list[str]] = {"customer": [], "analytics": []}
    for customer_id in customer_ids:
        paths["customer"].append(f"/v1/customers/{customer_id}")
        for service in VIEW_SERVICES:
            paths.setdefault(service, []).append(f"/v1/customers/{customer_id}")
        paths["analytics"] += [
            f"/v1/profiles/{customer_id}",
            f"/v1/profiles/{customer_id}/timeline?limit=200",
        ]
    for service in VIEW_SERVICES:
        paths[service] += [f"/v1/customers?status={s}&limit=200" for s in ("erased", "merged")]
    paths["analytics"] += [f"/v1/profiles?status={s}&limit=200" for s in ("erased", "merged")]

    texts: dict[str, str] = {}
    for service, service_paths in paths.items():
        for path in service_paths:
            response = await platform.clients[service].get(path)
            assert response.status_code == 200, f"{service} GET {path}: {response.text}"
            texts[f"{service} GET {path}"] = json.dumps(response.json())
    return texts


def leaks(texts: dict[str, str], strings: list[str]) -> dict[str, list[str]]:
    found = {
        where: [s for s in strings if s.lower() in text.lower()] for where, text in texts.items()
    }
    return {where: hit for where, hit in found.items() if hit}


async def test_merge_then_erasure_reach_every_view_and_the_profile(platform: Platform) -> None:
    # The survivor has no phone: the merge gives it the duplicate's.
    survivor_person = unique_person("Ada") | {"company": f"Engines {unique_person()['email']}"}
    del survivor_person["phone"]
    duplicate_person = unique_person("Augusta")
    survivor = await platform.create_customer(**survivor_person)
    duplicate = await platform.create_customer(**duplicate_person)
    survivor_id, duplicate_id = survivor["id"], duplicate["id"]
    for customer_id, person in ((survivor_id, survivor_person), (duplicate_id, duplicate_person)):
        await platform.wait_everywhere(customer_id, has_name(person["name"]), what="creation")

    # Merge: the duplicate becomes an alias of the survivor in every service.
    merged = await platform.merge(survivor_id, duplicate_id)
    assert merged["id"] == survivor_id

    def resolves_to_survivor(service: str, body: dict[str, Any]) -> bool:
        return customer_id_of(service, body) == survivor_id and body["status"] == "active"

    via_alias = await platform.wait_everywhere(
        duplicate_id, resolves_to_survivor, what="the alias resolving to the survivor"
    )
    for service, body in via_alias.items():
        assert body["resolved_from"] == duplicate_id, (service, body)
        assert body["name"] == survivor_person["name"], (service, body)
    for service in ("sales", "analytics"):  # the services that keep the phone
        assert via_alias[service]["phone"] == e164(duplicate_person["phone"]), service
    assert duplicate_id in via_alias["analytics"]["merged_ids"]
    survivor_profile = await platform.view("analytics", survivor_id)
    assert survivor_profile is not None
    assert survivor_profile["resolved_from"] is None
    assert duplicate_id in survivor_profile["merged_ids"]
    for service in VIEW_SERVICES:
        alias_response = await platform.clients[service].get(f"/v1/customers/{duplicate_id}")
        assert alias_response.headers["Content-Location"] == f"/v1/customers/{survivor_id}"

    # The leak check sees the data while it is there (so its silence later means something).
    before = leaks(
        await bodies_about(platform, survivor_id, duplicate_id), [survivor_person["name"]]
    )
    for service in ("customer", *VIEW_SERVICES):
        assert f"{service} GET /v1/customers/{survivor_id}" in before
    assert f"analytics GET /v1/profiles/{duplicate_id}" in before

    # Erasure of the survivor erases its alias too: nothing personal is left anywhere.
    erased = await platform.erase(survivor_id)
    assert erased["status"] == "erased"
    for customer_id in (survivor_id, duplicate_id):
        await platform.wait_everywhere(
            customer_id,
            is_tombstone,
            what="the erasure",
        )

    texts = await bodies_about(platform, survivor_id, duplicate_id)
    assert leaks(texts, personal_strings(survivor_person, duplicate_person)) == {}
    for service in VIEW_SERVICES:
        tombstone = await platform.view(service, survivor_id)
        assert tombstone is not None
        personal = {k: tombstone.get(k) for k in ("name", "email", "phone", "company", "kind")}
        assert set(personal.values()) == {None}, (service, tombstone)
    profile = await platform.view("analytics", survivor_id)
    assert profile is not None
    assert profile["erased_at"] is not None
    assert [profile[k] for k in ("name", "email", "phone", "company", "birth_date")] == [None] * 5


async def test_erasure_of_a_customer_that_was_never_merged(platform: Platform) -> None:
    person = unique_person("Emmy") | {"company": f"Noether {unique_person()['email']}"}
    created = await platform.create_customer(**person)
    customer_id = created["id"]
    await platform.update_customer(customer_id, name=f"{person['name']} Noether")
    renamed = {**person, "name": f"{person['name']} Noether"}
    await platform.wait_everywhere(customer_id, has_name(renamed["name"]), what="the update")

    await platform.erase(customer_id)

    seen = await platform.wait_everywhere(
        customer_id,
        is_tombstone,
        what="the erasure",
        services=CONSUMERS,
    )
    assert all(customer_id_of(s, body) == customer_id for s, body in seen.items())
    texts = await bodies_about(platform, customer_id)
    assert leaks(texts, personal_strings(person, renamed)) == {}
