"""Orders and payments (crm.sales.order_*.v1) are the receivables the master rates credit
from, and an order moves its customer through the lifecycle; a run is applied in sets."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.customer import CustomerCreditRated, CustomerLifecycleChanged
from crm_shared.testing.sales_fact_events import (
    order,
    order_cancelled,
    order_placed,
    payment_changed,
)
from fastapi import FastAPI
from sqlalchemy import event

from services.customer.tests.customer_api_helpers import create_customer, if_match
from services.customer.tests.customer_sales_helpers import NOW, deliver_sales, published

TODAY = NOW.date()


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def new_id() -> str:
    return str(uuid.uuid4())


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def day(days_before_today: int) -> date:
    return TODAY - timedelta(days=days_before_today)


async def grade_of(client: httpx.AsyncClient, customer_id: str) -> Any:
    response = await client.get(f"/v1/customers/{customer_id}/credit")
    assert response.status_code == 200, response.text
    return response.json()["credit_grade"]


async def receivables_of(client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/customers/{customer_id}/receivables")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def ratings(app: FastAPI) -> list[CustomerCreditRated]:
    return [
        p for _, p in await published(app, "credit_rated") if isinstance(p, CustomerCreditRated)
    ]


async def stage_changes(app: FastAPI) -> list[CustomerLifecycleChanged]:
    return [
        p
        for _, p in await published(app, "lifecycle_changed")
        if isinstance(p, CustomerLifecycleChanged)
    ]


async def test_an_order_paid_on_time_is_a_receivable_rated_a(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    acme = await create_customer(customer_client, kind="business", name="Acme")
    placed = order(new_id(), acme["id"], number="SO-1", ordered_at=days_ago(100), total="1200")
    paid = order(
        placed.id, acme["id"], number="SO-1", ordered_at=days_ago(100), total="1200",
        paid="1200", paid_on=day(80), version=2,
    )  # fmt: skip

    await deliver_sales(customer_app, order_placed(placed))
    await deliver_sales(customer_app, payment_changed(paid, "1200", day(80)))

    [receivable] = await receivables_of(customer_client, acme["id"])
    assert receivable["reference"] == "SO-1"
    assert (receivable["source"], receivable["order_id"]) == ("order", placed.id)
    assert (receivable["amount"], receivable["paid_amount"]) == ("1200.00", "1200.00")
    assert (receivable["issued_on"], receivable["due_on"]) == (
        day(100).isoformat(),
        day(70).isoformat(),
    )
    assert (receivable["paid_on"], receivable["settled"], receivable["cancelled_at"]) == (
        day(80).isoformat(),
        True,
        None,
    )
    assert await grade_of(customer_client, acme["id"]) == "A"
    # Nothing collected of what fell due (E), then paid 20 days after ordering (A).
    assert [(r.credit_grade, r.reason) for r in await ratings(customer_app)] == [
        ("E", "orders changed"),
        ("A", "orders changed"),
    ]


async def test_an_order_paid_80_days_late_rates_d(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)  # individuals are rated too
    late = order(
        new_id(), customer["id"], ordered_at=days_ago(200), terms_days=30,
        paid="1000", paid_on=day(90), version=3,
    )  # fmt: skip

    await deliver_sales(customer_app, payment_changed(late, "1000", day(90)))

    # A payment cycle of 110 days (30 days of terms, 80 late) is beyond C's 105.
    assert await grade_of(customer_client, customer["id"]) == "D"


async def test_an_older_event_never_overwrites_a_newer_state(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    order_id = new_id()
    placed = order(order_id, customer["id"], ordered_at=days_ago(60), version=1)
    paid = order(
        order_id, customer["id"], ordered_at=days_ago(60), paid="1000", paid_on=day(40), version=2
    )

    await deliver_sales(customer_app, payment_changed(paid, "1000", day(40)))
    await deliver_sales(customer_app, order_placed(placed))  # late, from before the payment

    [receivable] = await receivables_of(customer_client, customer["id"])
    assert (receivable["paid_amount"], receivable["settled"]) == ("1000.00", True)
    assert receivable["version"] == 1  # the late event changed nothing


async def test_a_cancelled_order_is_void_for_good(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    order_id = new_id()
    unpaid = order(order_id, customer["id"], ordered_at=days_ago(300), terms_days=0, version=1)
    cancelled = order(order_id, customer["id"], ordered_at=days_ago(300), terms_days=0, version=2)
    await deliver_sales(customer_app, order_placed(unpaid))
    assert await grade_of(customer_client, customer["id"]) == "E"  # 300 days unpaid

    await deliver_sales(customer_app, order_cancelled(cancelled))
    await deliver_sales(customer_app, order_placed(unpaid))  # a late copy: no revival

    [receivable] = await receivables_of(customer_client, customer["id"])
    assert receivable["cancelled_at"] is not None
    assert await grade_of(customer_client, customer["id"]) is None  # nothing owed: unrated
    assert [r.credit_grade for r in await ratings(customer_app)] == ["E", None]


async def test_a_written_off_rest_counts_as_not_collected(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    written_off = order(
        new_id(), customer["id"], ordered_at=days_ago(200), paid="400", written_off="600",
        version=3,
    )  # fmt: skip

    await deliver_sales(customer_app, payment_changed(written_off, "600", day(10), "write_off"))

    [receivable] = await receivables_of(customer_client, customer["id"])
    assert (receivable["paid_amount"], receivable["outstanding"]) == ("400.00", "600.00")
    credit = (await customer_client.get(f"/v1/customers/{customer['id']}/credit")).json()
    assert credit["computed"]["collected_share"] == 0.4
    assert credit["credit_grade"] == "D"


async def test_a_manual_grade_stays_and_order_receivables_are_read_only(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}"
    graded = await customer_client.put(
        f"{url}/credit/grade",
        json={"credit_grade": "B", "reason": "bank reference"},
        headers=await if_match(customer_client, url),
    )
    assert graded.status_code == 200, graded.text

    await deliver_sales(customer_app, order_placed(order(new_id(), customer["id"])))

    assert await grade_of(customer_client, customer["id"]) == "B"
    [receivable] = await receivables_of(customer_client, customer["id"])
    receivable_url = f"{url}/receivables/{receivable['id']}"
    refused = await customer_client.patch(
        receivable_url,
        json={"paid_amount": "10", "paid_on": TODAY.isoformat()},
        headers=await if_match(customer_client, receivable_url),
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/receivable-from-order")


async def test_an_invoice_recorded_by_hand_becomes_the_orders(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    url = f"/v1/customers/{customer['id']}/receivables"
    body = {"reference": "SO-9", "amount": "1000", "issued_on": day(20).isoformat(),
            "due_on": day(5).isoformat()}  # fmt: skip
    assert (await customer_client.post(url, json=body)).status_code == 201
    paid = order(
        new_id(), customer["id"], number="SO-9", ordered_at=days_ago(20), terms_days=15,
        paid="1000", paid_on=day(1), version=2,
    )  # fmt: skip

    await deliver_sales(customer_app, payment_changed(paid, "1000", day(1)))

    [receivable] = await receivables_of(customer_client, customer["id"])
    assert (receivable["order_id"], receivable["source"], receivable["settled"]) == (
        paid.id,
        "order",
        True,
    )


async def test_orders_numbered_alike_keep_a_receivable_each(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    customer = await create_customer(customer_client)
    first, second = (
        order(new_id(), customer["id"], number="SO-1"),
        order(new_id(), customer["id"], number="SO-1"),
    )

    await deliver_sales(customer_app, order_placed(first), order_placed(second), one_run=True)
    await deliver_sales(
        customer_app, order_placed(order(second.id, customer["id"], number="SO-1", version=2))
    )

    references = {
        r["order_id"]: r["reference"] for r in await receivables_of(customer_client, customer["id"])
    }
    assert references == {first.id: "SO-1", second.id: f"SO-1 #{second.id[:8]}"}


async def test_the_first_order_makes_a_customer_once(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    prospect = await create_customer(customer_client, lifecycle_stage="prospect")
    first = order(new_id(), prospect["id"], number="SO-100", ordered_at=days_ago(3))
    second = order(new_id(), prospect["id"], number="SO-101", ordered_at=days_ago(1))

    await deliver_sales(customer_app, order_placed(first))
    await deliver_sales(customer_app, order_placed(second))

    [change] = await stage_changes(customer_app)
    assert (change.from_stage, change.to_stage, change.reason) == (
        "prospect",
        "customer",
        "first order SO-100",
    )
    lifecycle = (await customer_client.get(f"/v1/customers/{prospect['id']}/lifecycle")).json()
    assert lifecycle["history"][-1]["transition"] == "converted"
    customer = (await customer_client.get(f"/v1/customers/{prospect['id']}")).json()
    assert customer["relationship_phase"] == "establishment"


async def test_a_lost_customer_is_recovered_by_a_new_order_not_by_an_old_one(
    customer_app: FastAPI, customer_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    lost = await create_customer(customer_client, lifecycle_stage="lost")
    clock.advance(days=10)
    old = order(new_id(), lost["id"], number="SO-OLD", ordered_at=days_ago(400))
    new = order(new_id(), lost["id"], number="SO-NEW", ordered_at=NOW + timedelta(days=5))

    await deliver_sales(customer_app, order_placed(old))  # history brought in: still lost
    assert await stage_changes(customer_app) == []
    await deliver_sales(customer_app, order_placed(new))

    [change] = await stage_changes(customer_app)
    assert (change.from_stage, change.to_stage, change.reason) == (
        "lost",
        "customer",
        "order SO-NEW after being lost",
    )
    lifecycle = (await customer_client.get(f"/v1/customers/{lost['id']}/lifecycle")).json()
    assert lifecycle["history"][-1]["transition"] == "recovered"


async def test_orders_of_a_merged_customer_go_to_the_survivor_unknown_ones_are_skipped(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    survivor = await create_customer(customer_client, name="Survivor")
    alias = await create_customer(customer_client, name="Alias")
    url = f"/v1/customers/{survivor['id']}"
    merged = await customer_client.post(
        f"{url}/merge",
        json={"duplicate_id": alias["id"]},
        headers=await if_match(customer_client, url),
    )
    assert merged.status_code == 200, merged.text

    await deliver_sales(
        customer_app,
        order_placed(order(new_id(), new_id(), number="SO-GHOST")),
        order_placed(order(new_id(), alias["id"], number="SO-ALIAS")),
        one_run=True,
    )

    assert [r["reference"] for r in await receivables_of(customer_client, survivor["id"])] == [
        "SO-ALIAS"
    ]


async def test_a_run_of_many_orders_rates_and_moves_a_customer_once_in_few_statements(
    customer_app: FastAPI, customer_client: httpx.AsyncClient
) -> None:
    buyer = await create_customer(customer_client, kind="business", name="Bulk Buyer")
    runs = [
        order_placed(
            order(
                new_id(), buyer["id"], number=f"SO-{n:04}", ordered_at=days_ago(100 - n % 50),
                paid="1000", paid_on=day(60 - n % 50), version=2,
            )
        )
        for n in range(300)
    ]  # fmt: skip
    statements: list[str] = []
    engine = customer_app.state.runtime.engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        await deliver_sales(customer_app, *runs, one_run=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(await receivables_of(customer_client, buyer["id"])) == 50  # a page of 300
    assert [r.credit_grade for r in await ratings(customer_app)] == ["A"]
    assert len(await stage_changes(customer_app)) == 1
    # However many orders: a bounded number of statements (no round trip per order).
    assert len(statements) < 30, statements
