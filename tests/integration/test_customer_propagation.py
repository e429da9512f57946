"""A customer created and changed in the customer master reaches every other service: the
sales, support and marketing views and the analytics 360 profile, over the real broker."""

from typing import Any

import pytest

from tests.integration.platform import (
    VIEW_SERVICES,
    Platform,
    customer_id_of,
    e164,
    has_name,
    unique_person,
    version_of,
)

pytestmark = pytest.mark.integration


async def test_a_created_customer_reaches_every_view_and_the_profile(platform: Platform) -> None:
    person = unique_person("Grace")
    created = await platform.create_customer(**person, company="Navy Labs")
    customer_id = created["id"]

    seen = await platform.wait_everywhere(
        customer_id,
        has_name(person["name"]),
        what="the created customer",
    )

    for service in VIEW_SERVICES:
        body = seen[service]
        assert body["id"] == customer_id
        assert body["status"] == "active"
        assert body["kind"] == "individual"
        assert body["resolved_from"] is None
        assert body["customer_version"] == created["version"]
    # Each view keeps what its service needs: sales the contact channels, support at least
    # the basics, marketing consent (not credit).
    assert seen["sales"]["email"] == person["email"]
    assert seen["sales"]["phone"] == e164(person["phone"])
    assert seen["sales"]["company"] == "Navy Labs"
    assert "consent" in seen["marketing"]

    profile = seen["analytics"]
    assert profile["customer_id"] == customer_id
    assert profile["status"] == "active"
    assert profile["version"] == created["version"]
    assert (profile["email"], profile["phone"]) == (person["email"], e164(person["phone"]))
    assert profile["company"] == "Navy Labs"
    assert profile["lifecycle"]["stage"] == created["lifecycle_stage"]
    assert profile["merged_ids"] == []
    timeline_types = [entry["event_type"] for entry in profile["timeline"]["items"]]
    assert "crm.customer.created.v1" in timeline_types, profile["timeline"]


async def test_an_update_reaches_every_view_and_the_profile(platform: Platform) -> None:
    person = unique_person("Alan")
    created = await platform.create_customer(**person)
    customer_id = created["id"]
    await platform.wait_everywhere(
        customer_id, has_name(person["name"]), what="the created customer"
    )

    renamed = f"{person['name']} Turing"
    new_email = f"renamed.{customer_id[:8]}@example.org"
    updated = await platform.update_customer(customer_id, name=renamed, email=new_email)
    assert updated["version"] > created["version"]

    def has_the_update(service: str, body: dict[str, Any]) -> bool:
        return body["name"] == renamed and version_of(service, body) == updated["version"]

    seen = await platform.wait_everywhere(customer_id, has_the_update, what="the update")

    assert all(customer_id_of(s, body) == customer_id for s, body in seen.items())
    assert seen["sales"]["email"] == new_email
    assert seen["analytics"]["email"] == new_email
    timeline_types = [entry["event_type"] for entry in seen["analytics"]["timeline"]["items"]]
    assert "crm.customer.updated.v1" in timeline_types


async def test_consent_and_lifecycle_changes_reach_marketing_and_the_profile(
    platform: Platform,
) -> None:
    person = unique_person("Hedy")
    customer_id = (await platform.create_customer(**person))["id"]
    customer = platform.clients["customer"]
    for granted in (True, False):  # an opt-in, then the withdrawal that must win
        response = await customer.put(
            f"/v1/customers/{customer_id}/consent/email",
            json={"granted": granted, "source": "preference centre"},
            headers=await platform.if_match(customer_id),
        )
        assert response.status_code == 200, response.text
    response = await customer.post(
        f"/v1/customers/{customer_id}/lifecycle",
        json={"stage": "prospect", "reason": "asked for a quote"},
        headers=await platform.if_match(customer_id),
    )
    assert response.status_code == 200, response.text
    version = response.json()["version"]

    def has_the_changes(service: str, body: dict[str, Any]) -> bool:
        return version_of(service, body) == version

    seen = await platform.wait_everywhere(
        customer_id, has_the_changes, what="the consent and stage changes"
    )

    assert seen["marketing"]["consent"]["email"] is False
    assert seen["marketing"]["lifecycle_stage"] == "prospect"
    for service in ("sales", "support"):
        assert seen[service]["lifecycle_stage"] == "prospect", service
    profile = seen["analytics"]
    assert profile["consent"]["email"]["granted"] is False
    assert profile["lifecycle"]["stage"] == "prospect"
    assert [c["to_stage"] for c in profile["lifecycle"]["history"]][-1] == "prospect"
