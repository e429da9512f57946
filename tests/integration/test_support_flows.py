"""Support and the other services across the bus, on the real broker:

- a customer the master marks VIP makes their new complaint major at once (escalated to a
  manager and senior management, with the senior management reply target);
- the support events reach analytics: the profile's service section and the timeline.
"""

from typing import Any

import pytest

from tests.helpers import wait_for
from tests.integration.platform import PROPAGATION_TIMEOUT, Platform, unique_person

pytestmark = pytest.mark.integration


async def open_complaint(platform: Platform, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "kind": "complaint",
        "category": "product_quality",
        "channel": "email",
        "description": "The kettle leaks.",
        "received_by": "agent-1",
        **fields,
    }
    response = await platform.clients["support"].post("/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def in_support_view(platform: Platform, customer_id: str, tag: str) -> bool:
    body = await platform.view("support", customer_id)
    return body is not None and tag in (body.get("tags") or [])


async def test_a_vip_from_the_master_makes_a_new_complaint_major(platform: Platform) -> None:
    vip = await platform.create_customer(**unique_person("Vera"), tags=["VIP"])

    async def known() -> bool:
        return await in_support_view(platform, vip["id"], "vip")

    await wait_for(known, timeout=PROPAGATION_TIMEOUT, message="the VIP reached support")
    ticket = await open_complaint(platform, vip["id"])

    assert ticket["major"] is True
    assert "vip" in ticket["major_reasons"]
    assert ticket["manager"]
    assert ticket["senior"]
    assert "major_reply" in {target["target"] for target in ticket["targets"]}


async def test_support_events_reach_the_profile_and_the_timeline(platform: Platform) -> None:
    person = await platform.create_customer(**unique_person("Sam"))

    async def known() -> bool:
        return await platform.view("support", person["id"]) is not None

    await wait_for(known, timeout=PROPAGATION_TIMEOUT, message="the customer reached support")
    ticket = await open_complaint(platform, person["id"], category="billing", channel="phone")
    moved = await platform.clients["support"].post(
        f"/v1/tickets/{ticket['id']}/transitions", json={"to": "acknowledged"}
    )
    assert moved.status_code == 200, moved.text

    async def service_section() -> dict[str, Any] | None:
        profile = await platform.view("analytics", person["id"])
        section = (profile or {}).get("service") or {}
        return section if section.get("tickets_total") == 1 else None

    section = await wait_for(
        service_section, timeout=PROPAGATION_TIMEOUT, message="the profile's service section"
    )
    assert (section["tickets_open"], section["complaints"]) == (1, 1)

    async def support_lines() -> list[str]:
        response = await platform.clients["analytics"].get(
            f"/v1/profiles/{person['id']}/timeline?limit=50"
        )
        entries = response.json()["items"] if response.status_code == 200 else []
        lines = [e["summary"] for e in entries if e["source_service"].endswith("support")]
        return lines if len(lines) >= 3 else []  # opened, acknowledged, first contact met

    lines = await wait_for(support_lines, timeout=PROPAGATION_TIMEOUT, message="the timeline")
    assert "Complaint received (billing, by phone)" in lines
    assert "Ticket acknowledged" in lines


async def test_an_order_in_sales_schedules_a_follow_up_call_in_support(platform: Platform) -> None:
    person = await platform.create_customer(**unique_person("Olga"))

    async def in_sales() -> bool:
        return await platform.view("sales", person["id"]) is not None

    await wait_for(in_sales, timeout=PROPAGATION_TIMEOUT, message="the customer reached sales")
    response = await platform.clients["sales"].post(
        "/v1/orders",
        json={
            "customer_id": person["id"],
            "lines": [{"product": "Kettle", "quantity": 1, "unit_price": "40.00"}],
        },
    )
    assert response.status_code == 201, response.text
    order_id = response.json()["id"]

    async def scheduled() -> list[dict[str, Any]]:
        listed = await platform.clients["support"].get(
            f"/v1/follow-up-calls?customer_id={person['id']}"
        )
        return listed.json()["items"] if listed.status_code == 200 else []

    calls = await wait_for(scheduled, timeout=PROPAGATION_TIMEOUT, message="the follow-up call")
    assert [(call["reason"], call["source_id"], call["state"]) for call in calls] == [
        ("order", order_id, "open")
    ]
