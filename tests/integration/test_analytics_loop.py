"""The closed loop across the bus, on the real broker: an order placed in sales rescores its
customer in analytics at once (the profile's scores), the value class analytics publishes
reaches support, and the customer's next complaint is major; a saved segment's join is
published and lands on the customer's timeline."""

from typing import Any

import pytest

from tests.helpers import wait_for
from tests.integration.platform import PROPAGATION_TIMEOUT, Platform, unique_person
from tests.integration.test_support_flows import open_complaint

pytestmark = pytest.mark.integration

# Two hops each way (sales → analytics, analytics → support) on a loaded machine.
CHAIN_TIMEOUT = 2 * PROPAGATION_TIMEOUT


async def test_a_big_order_makes_a_vip_whose_complaint_is_major(platform: Platform) -> None:
    person = await platform.create_customer(**unique_person("Otto"))
    customer_id = person["id"]

    async def known_to_sales_and_support() -> bool:
        return (
            await platform.view("sales", customer_id) is not None
            and await platform.view("support", customer_id) is not None
        )

    await wait_for(known_to_sales_and_support, timeout=PROPAGATION_TIMEOUT, message="the views")
    # A top spender (no other customer of these tests spends this much): VIP by value.
    placed = await platform.clients["sales"].post(
        "/v1/orders",
        json={
            "customer_id": customer_id,
            "lines": [{"product": "Yacht", "quantity": 1, "unit_price": "990000.00"}],
        },
    )
    assert placed.status_code == 201, placed.text

    async def scored() -> dict[str, Any] | None:
        profile = await platform.view("analytics", customer_id)
        scores = (profile or {}).get("scores") or {}
        return scores if scores.get("value_class") == "VIP" else None

    scores = await wait_for(scored, timeout=CHAIN_TIMEOUT, message="the profile's scores")
    assert scores["rfm"]["frequency"] == 1
    assert scores["rfm"]["recency_days"] == 0
    assert scores["rfm"]["r"] == 5
    assert scores["churn_risk"]["level"] == "low"

    async def vip_in_support() -> bool:
        view = await platform.view("support", customer_id)
        return (view or {}).get("value_class") == "VIP"

    await wait_for(vip_in_support, timeout=CHAIN_TIMEOUT, message="the class in support")
    ticket = await open_complaint(platform, customer_id)
    assert ticket["major"] is True
    assert "vip" in ticket["major_reasons"]

    segment = await platform.clients["analytics"].post(
        "/v1/segments",
        json={
            "name": f"VIPs {customer_id[:8]}",
            "filter": {"field": "value_class", "op": "eq", "value": "VIP"},
        },
    )
    assert segment.status_code == 201, segment.text

    async def joined_on_the_timeline() -> bool:
        response = await platform.clients["analytics"].get(
            f"/v1/profiles/{customer_id}/timeline?limit=100"
        )
        types = {item["event_type"] for item in response.json()["items"]}
        return {
            "crm.analytics.segment.membership_changed.v1",
            "crm.analytics.value_class.changed.v1",
        } <= types

    await wait_for(joined_on_the_timeline, timeout=CHAIN_TIMEOUT, message="the analytics events")
