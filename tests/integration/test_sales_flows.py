"""Sales and the customer master across the bus, on the real broker:

- a lead's conversion makes a customer in the master, which answers, and sales attaches the
  opportunity to it, with either service restarted in between (nothing lost, nothing twice);
- an order moves a prospect to ``customer`` (and a lost customer to ``customer`` again, as
  recovered), with the reason;
- orders and payments are the receivables the master grades credit from;
- the analytics profile gains the sales section.
"""

from typing import Any

import pytest

from tests.helpers import wait_for
from tests.integration.platform import PROPAGATION_TIMEOUT, Platform, has_name, unique_person

pytestmark = pytest.mark.integration


async def get_json(platform: Platform, service: str, path: str) -> dict[str, Any]:
    response = await platform.clients[service].get(path)
    assert response.status_code == 200, f"{service} GET {path}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


async def post_json(
    platform: Platform, service: str, path: str, body: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    response = await platform.clients[service].post(path, json=body)
    assert response.status_code == status, f"{service} POST {path}: {response.text}"
    answer: dict[str, Any] = response.json()
    return answer


async def convert(platform: Platform, lead_id: str, opportunity: dict[str, Any]) -> dict[str, Any]:
    """Convert the lead (If-Match: its current ETag, as for every write of a record)."""
    client = platform.clients["sales"]
    etag = (await client.get(f"/v1/leads/{lead_id}")).headers["ETag"]
    response = await client.post(
        f"/v1/leads/{lead_id}/convert",
        json={"opportunity": opportunity},
        headers={"If-Match": etag},
    )
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def _none_unsent(platform: Platform, service: str) -> bool:
    return await platform.unsent(service) == 0


async def customers_named(platform: Platform, email: str) -> list[dict[str, Any]]:
    listed = await get_json(platform, "customer", f"/v1/customers?email={email}&limit=10")
    return [c for c in listed["items"] if c.get("email") == email]


async def opportunity_attached(platform: Platform, opportunity_id: str) -> str:
    """The customer id sales attached the opportunity to, once it did."""
    found: dict[str, Any] = {}

    async def attached() -> bool:
        body = await get_json(platform, "sales", f"/v1/opportunities/{opportunity_id}")
        found.update(body)
        return body.get("customer_id") is not None

    await wait_for(attached, timeout=PROPAGATION_TIMEOUT, interval=0.1)
    return str(found["customer_id"])


@pytest.mark.parametrize("restarted", ["customer", "sales"])
async def test_a_converted_lead_becomes_one_customer_across_a_restart(
    platform: Platform, restarted: str
) -> None:
    person = unique_person("Lena")
    lead = await post_json(
        platform,
        "sales",
        "/v1/leads",
        {"name": person["name"], "email": person["email"], "phone": person["phone"]},
    )
    assert lead["status"] == "new"
    assert 0 <= lead["score"] <= 100

    if restarted == "customer":
        await platform.stop_service("customer")  # the conversion waits on the broker
    converted = await convert(platform, lead["id"], {"name": "First deal", "amount": "1200.00"})
    opportunity_id = converted["opportunity_id"]
    if restarted == "sales":
        # The conversion is on the broker; the master's answer will wait there for sales.
        await wait_for(lambda: _none_unsent(platform, "sales"), timeout=PROPAGATION_TIMEOUT)
        await platform.stop_service("sales")

        async def created_in_master() -> bool:
            return len(await customers_named(platform, person["email"])) == 1

        await wait_for(created_in_master, timeout=PROPAGATION_TIMEOUT, interval=0.1)
    await platform.start_service(restarted)

    customer_id = await opportunity_attached(platform, opportunity_id)
    matches = await customers_named(platform, person["email"])
    assert [c["id"] for c in matches] == [customer_id]  # one customer, not two
    lead_now = await get_json(platform, "sales", f"/v1/leads/{lead['id']}")
    assert lead_now["status"] == "converted"
    assert lead_now["customer_id"] == customer_id


async def test_a_lead_of_a_known_person_links_the_existing_customer(platform: Platform) -> None:
    person = unique_person("Mara")
    existing = await platform.create_customer(**person)
    await platform.wait_everywhere(
        existing["id"], has_name(person["name"]), what="creation", services=("sales",)
    )
    lead = await post_json(
        platform, "sales", "/v1/leads", {"name": person["name"], "email": person["email"]}
    )
    converted = await convert(platform, lead["id"], {"name": "Renewal", "amount": "300"})
    assert await opportunity_attached(platform, converted["opportunity_id"]) == existing["id"]
    assert len(await customers_named(platform, person["email"])) == 1


async def wait_for_customer(
    platform: Platform, customer_id: str, path: str, holds: Any, what: str
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def check() -> bool:
        body = await get_json(platform, "customer", path)
        seen.clear()
        seen.update(body)
        return bool(holds(body))

    try:
        await wait_for(check, timeout=PROPAGATION_TIMEOUT, interval=0.1)
    except AssertionError:
        raise AssertionError(f"{what} for {customer_id}: last answer {seen}") from None
    return seen


async def test_orders_move_the_lifecycle_and_grade_credit(platform: Platform) -> None:
    person = unique_person("Otto") | {"kind": "business", "company": "Otto Works"}
    customer = await platform.create_customer(**person, lifecycle_stage="prospect")
    customer_id = customer["id"]
    await platform.wait_everywhere(
        customer_id, has_name(person["name"]), what="creation", services=("sales",)
    )

    order = await post_json(
        platform,
        "sales",
        "/v1/orders",
        {
            "customer_id": customer_id,
            "lines": [{"product": "Pump", "quantity": 2, "unit_price": "500.00"}],
            "ordered_at": "2026-01-05T10:00:00Z",
            "payment_terms_days": 30,
        },
    )
    assert order["total"] in ("1000.00", "1000", 1000)
    assert order["due_date"] == "2026-02-04"

    lifecycle = await wait_for_customer(
        platform,
        customer_id,
        f"/v1/customers/{customer_id}/lifecycle",
        lambda body: body["stage"] == "customer",
        "the first order's lifecycle change",
    )
    assert "order" in (lifecycle["history"][-1]["reason"] or "")

    # Paid 100 days after the order: the longest payment cycle grades it C at best.
    await post_json(
        platform,
        "sales",
        f"/v1/orders/{order['id']}/payments",
        {"amount": "1000.00", "paid_at": "2026-04-15T09:00:00Z"},
    )
    credit = await wait_for_customer(
        platform,
        customer_id,
        f"/v1/customers/{customer_id}/credit",
        lambda body: body.get("credit_grade") == "C",
        "the credit grade from the order's payment",
    )
    assert credit["credit_grade"] == "C"

    async def profile_has_the_order() -> bool:
        body = await platform.view("analytics", customer_id)
        sales = (body or {}).get("sales") or {}
        return (sales.get("orders"), sales.get("revenue"), sales.get("outstanding")) == (
            1,
            "1000.00",
            "0.00",  # the payment reached analytics too
        )

    await wait_for(profile_has_the_order, timeout=PROPAGATION_TIMEOUT, interval=0.1)


async def test_a_merge_moves_sales_records_to_the_survivor(platform: Platform) -> None:
    survivor_person, duplicate_person = unique_person("Nora"), unique_person("Nils")
    survivor = await platform.create_customer(**survivor_person)
    duplicate = await platform.create_customer(**duplicate_person)
    for customer, person in ((survivor, survivor_person), (duplicate, duplicate_person)):
        await platform.wait_everywhere(
            customer["id"], has_name(person["name"]), what="creation", services=("sales",)
        )
    opportunity = await post_json(
        platform,
        "sales",
        "/v1/opportunities",
        {"customer_id": duplicate["id"], "name": "Boiler", "amount": "250.00"},
    )
    await post_json(
        platform,
        "sales",
        "/v1/orders",
        {
            "customer_id": duplicate["id"],
            "lines": [{"product": "Valve", "quantity": 1, "unit_price": "80.00"}],
        },
    )

    # The master makes the order's first-order stage change on the duplicate; the merge
    # comes after it (a merge against a version the master is changing meanwhile is a 412).
    await wait_for_customer(
        platform,
        duplicate["id"],
        f"/v1/customers/{duplicate['id']}/lifecycle",
        lambda body: body["stage"] == "customer",
        "the order's lifecycle change",
    )
    await platform.merge(survivor["id"], duplicate["id"])

    async def followed() -> bool:
        body = await get_json(platform, "sales", f"/v1/opportunities/{opportunity['id']}")
        orders = await get_json(platform, "sales", f"/v1/orders?customer_id={survivor['id']}")
        return body["customer_id"] == survivor["id"] and len(orders["items"]) == 1

    await wait_for(followed, timeout=PROPAGATION_TIMEOUT, interval=0.1)

    async def profile_counts_them() -> bool:
        body = await platform.view("analytics", survivor["id"])
        sales = (body or {}).get("sales") or {}
        return (sales.get("orders"), sales.get("open_opportunities")) == (1, 1)

    await wait_for(profile_counts_them, timeout=PROPAGATION_TIMEOUT, interval=0.1)
