"""/v1/orders: placing, reading, listing, payments, write-offs, cancellation; their events
and error paths."""

from datetime import timedelta

import httpx
import pytest
from crm_shared.clock import FakeClock
from crm_shared.testing import bearer, outbox_events, token_for, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_orders import (
    START,
    erase_customer,
    if_match,
    know_customers,
    line,
    merge_customers,
    order_body,
    place,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def test_an_order_has_a_number_a_total_and_a_due_date(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    response = await sales_client.post(
        "/v1/orders",
        json=order_body(
            ada,
            line("Widget", 3, "19.99", discount="0.1"),
            line("Service", "1.5", "80.00"),
            ordered_at="2026-03-01T10:00:00Z",
            payment_terms_days=14,
        ),
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/orders/{order['id']}"
    assert order["number"] == "O-000001"
    # 3 x 19.99 x 0.9 = 53.973 -> 53.97; 1.5 x 80 = 120
    assert [line["amount"] for line in order["lines"]] == ["53.97", "120.00"]
    assert order["total"] == "173.97"
    assert order["due_date"] == "2026-03-15"
    assert order["payment_state"] == "open"
    assert order["currency"] == "EUR"
    assert order["source"] == "api"
    [event] = await outbox_events(sales_app, "order_placed")
    assert event.key == ada
    assert str(event.payload.order.total) == "173.97"
    assert event.payload.order.due_date.isoformat() == "2026-03-15"


async def test_terms_default_to_the_setting_and_zero_is_due_on_ordering(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    default = await place(sales_client, ada)
    assert default["payment_terms_days"] == 30
    assert default["ordered_at"].startswith("2026-03-02T09:00")
    assert default["due_date"] == "2026-04-01"
    cash = await place(sales_client, ada, payment_terms_days=0)
    assert cash["due_date"] == "2026-03-02"
    assert cash["number"] == "O-000002"


async def test_the_customer_must_be_known_to_sales(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    response = await sales_client.post("/v1/orders", json=order_body(uid("nobody")))
    assert response.status_code == 422
    assert "customer_id" in response.json()["detail"]
    await know_customers(sales_app, "eve")
    await erase_customer(sales_app, "eve")
    response = await sales_client.post("/v1/orders", json=order_body(uid("eve")))
    assert response.status_code == 422
    assert "erased" in response.json()["detail"]


async def test_an_order_for_a_merged_alias_goes_to_the_survivor(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    await know_customers(sales_app, "ada", "dup")
    await merge_customers(sales_app, "ada", "dup")
    order = await place(sales_client, uid("dup"))
    assert order["customer_id"] == uid("ada")


@pytest.mark.parametrize(
    ("body_change", "where"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [line(quantity=0)]}, "quantity"),
        ({"lines": [line(quantity=2.5)]}, "quantity"),  # a float: send "2.5"
        ({"lines": [line(unit_price="-1.00")]}, "unit_price"),
        ({"lines": [line(unit_price=12.5)]}, "unit_price"),
        ({"lines": [line(discount="1.5")]}, "discount"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"currency": "XXY"}, "currency"),
        ({"lines": [line(quantity="9999999999", unit_price="999999999999.00")]}, "lines"),
    ],
)
async def test_bad_orders_are_refused_with_the_field(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, body_change: dict, where: str
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    response = await sales_client.post("/v1/orders", json={**order_body(ada), **body_change})
    assert response.status_code == 422
    assert where in response.text


async def test_an_external_id_is_unique(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    await place(sales_client, ada, external_id="ERP-1")
    response = await sales_client.post("/v1/orders", json=order_body(ada, external_id="ERP-1"))
    assert response.status_code == 409


async def test_a_retried_create_with_its_key_places_one_order(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    headers = {"Idempotency-Key": "order-1"}
    first = await sales_client.post("/v1/orders", json=order_body(ada), headers=headers)
    again = await sales_client.post("/v1/orders", json=order_body(ada), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(await outbox_events(sales_app, "order_placed")) == 1


async def test_get_answers_the_order_with_its_payments_and_etag(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada)
    paid = await sales_client.post(
        f"/v1/orders/{order['id']}/payments", json={"amount": "40.00", "method": "card"}
    )
    assert paid.status_code == 201, paid.text
    response = await sales_client.get(f"/v1/orders/{order['id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert [p["amount"] for p in body["payments"]] == ["40.00"]
    assert body["payment_state"] == "partial"
    assert body["outstanding"] == "60.00"
    missing = await sales_client.get(f"/v1/orders/{uid('none')}")
    assert missing.status_code == 404


async def test_partial_payments_then_paid_in_full_on_the_day_the_sum_reached_the_total(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada, payment_terms_days=10)
    url = f"/v1/orders/{order['id']}/payments"
    clock.advance(days=3)
    first = (await sales_client.post(url, json={"amount": "30.00"})).json()
    assert first["order"]["payment_state"] == "partial"
    assert first["order"]["paid_on"] is None
    clock.advance(days=2)
    second = (await sales_client.post(url, json={"amount": "70.00"})).json()
    assert second["order"]["payment_state"] == "paid"
    assert second["order"]["paid_on"] == "2026-03-07"
    assert second["payment"]["late"] is False
    events = await outbox_events(sales_app, "order_payment_changed")
    assert [e.payload.order.payment_state for e in events] == ["partial", "paid"]
    assert str(events[-1].payload.order.paid_amount) == "100.00"
    assert events[-1].key == ada


async def test_a_payment_before_the_order_date_is_a_prepayment(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada, ordered_at="2026-03-02T08:00:00Z")
    response = await sales_client.post(
        f"/v1/orders/{order['id']}/payments",
        json={"amount": "100.00", "paid_at": "2026-02-20T12:00:00Z"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["prepayment"] is True
    assert body["order"]["paid_on"] == "2026-02-20"
    assert body["order"]["payment_state"] == "paid"


async def test_overdue_by_the_clock_and_a_late_payment(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada, payment_terms_days=7)
    url = f"/v1/orders/{order['id']}"
    clock.advance(days=7)
    assert (await sales_client.get(url)).json()["payment_state"] == "open"  # due today
    clock.advance(days=1)
    assert (await sales_client.get(url)).json()["payment_state"] == "overdue"
    overdue = await sales_client.get("/v1/orders", params={"payment_state": "overdue"})
    assert [o["id"] for o in overdue.json()["items"]] == [order["id"]]
    still_open = await sales_client.get("/v1/orders", params={"payment_state": "open"})
    assert still_open.json()["items"] == []
    paid = await sales_client.post(f"{url}/payments", json={"amount": "100.00"})
    assert paid.json()["payment"]["late"] is True
    assert paid.json()["order"]["payment_state"] == "paid"
    assert paid.json()["order"]["paid_on"] == "2026-03-10"


async def test_over_payment_and_payments_ahead_are_refused(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada)
    url = f"/v1/orders/{order['id']}/payments"
    assert (await sales_client.post(url, json={"amount": "60.00"})).status_code == 201
    over = await sales_client.post(url, json={"amount": "40.01"})
    assert over.status_code == 422
    assert "40.00 outstanding" in over.json()["detail"]
    ahead = clock.now() + timedelta(days=1)
    future = await sales_client.post(url, json={"amount": "1.00", "paid_at": ahead.isoformat()})
    assert future.status_code == 422
    zero = await sales_client.post(url, json={"amount": "0.00"})
    assert zero.status_code == 422
    missing = await sales_client.post(f"/v1/orders/{uid('none')}/payments", json={"amount": "1.00"})
    assert missing.status_code == 404


async def test_write_off_the_rest_by_default(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada)
    url = f"/v1/orders/{order['id']}"
    await sales_client.post(f"{url}/payments", json={"amount": "25.00"})
    read = await sales_client.get(url)
    no_match = await sales_client.post(f"{url}/write-off", json={"reason": "insolvent"})
    assert no_match.status_code == 428
    stale = await sales_client.post(
        f"{url}/write-off", json={"reason": "insolvent"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    too_much = await sales_client.post(
        f"{url}/write-off", json={"reason": "x", "amount": "75.01"}, headers=if_match(read)
    )
    assert too_much.status_code == 422
    done = await sales_client.post(
        f"{url}/write-off", json={"reason": "insolvent"}, headers=if_match(read)
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["written_off_amount"] == "75.00"
    assert body["payment_state"] == "written_off"
    assert body["outstanding"] == "0.00"
    clock.advance(days=90)
    assert (await sales_client.get(url)).json()["payment_state"] == "written_off"
    again = await sales_client.post(
        f"{url}/write-off", json={"reason": "x"}, headers={"If-Match": "*"}
    )
    assert again.status_code == 409
    event = (await outbox_events(sales_app, "order_payment_changed"))[-1]
    assert event.payload.kind == "write_off"
    assert str(event.payload.amount) == "75.00"


async def test_a_partial_write_off_leaves_the_rest_owed(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    order = await place(sales_client, ada)
    response = await sales_client.post(
        f"/v1/orders/{order['id']}/write-off",
        json={"reason": "goodwill", "amount": "10.00"},
        headers={"If-Match": '"1"'},
    )
    assert response.json()["payment_state"] == "open"
    assert response.json()["outstanding"] == "90.00"


async def test_cancel_only_with_nothing_paid(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    unpaid = await place(sales_client, ada, payment_terms_days=0)
    paid = await place(sales_client, ada)
    await sales_client.post(f"/v1/orders/{paid['id']}/payments", json={"amount": "1.00"})
    refused = await sales_client.post(
        f"/v1/orders/{paid['id']}/cancel", json={"reason": "wrong"}, headers={"If-Match": "*"}
    )
    assert refused.status_code == 409
    cancelled = await sales_client.post(
        f"/v1/orders/{unpaid['id']}/cancel", json={"reason": "typo"}, headers={"If-Match": '"1"'}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    clock.advance(days=5)
    assert (await sales_client.get(f"/v1/orders/{unpaid['id']}")).json()["payment_state"] == "open"
    overdue = await sales_client.get("/v1/orders", params={"payment_state": "overdue"})
    assert overdue.json()["items"] == []
    payment = await sales_client.post(
        f"/v1/orders/{unpaid['id']}/payments", json={"amount": "1.00"}
    )
    assert payment.status_code == 409
    [event] = await outbox_events(sales_app, "order_cancelled")
    assert event.payload.reason == "typo"
    assert event.payload.order.status == "cancelled"
    blank = await sales_client.post(
        f"/v1/orders/{paid['id']}/cancel", json={"reason": " "}, headers={"If-Match": "*"}
    )
    assert blank.status_code == 422


async def test_list_filters_and_pages(sales_app: FastAPI, sales_client: httpx.AsyncClient) -> None:
    ada, bob = await know_customers(sales_app, "ada", "bob")
    for day in range(1, 6):
        await place(sales_client, ada, ordered_at=f"2026-02-0{day}T10:00:00Z")
    await place(sales_client, bob, ordered_at="2026-02-03T11:00:00Z")
    seen, cursor = [], None
    while True:
        params = {"customer_id": ada, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await sales_client.get("/v1/orders", params=params)).json()
        assert "items" in page, page
        seen += [order["ordered_at"][:10] for order in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"2026-02-0{day}" for day in range(5, 0, -1)]
    ranged = await sales_client.get(
        "/v1/orders",
        params={
            "ordered_from": "2026-02-02T00:00:00Z",
            "ordered_before": "2026-02-04T00:00:00Z",
            "total": "true",
        },
    )
    assert ranged.json()["total"] == 3
    bad = await sales_client.get("/v1/orders", params={"payment_state": "nope"})
    assert bad.status_code == 422
    forged = await sales_client.get("/v1/orders", params={"cursor": "abc"})
    assert forged.status_code == 400


async def test_a_rep_reaches_own_and_pool_orders_only(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    rep = bearer(token_for("sales", subject="rep-1"))
    other = bearer(token_for("sales", subject="rep-2"))
    mine = await sales_client.post("/v1/orders", json=order_body(ada), headers=rep)
    assert mine.status_code == 201
    assert mine.json()["owner"] == "rep-1"
    order_id = mine.json()["id"]
    assert (await sales_client.get(f"/v1/orders/{order_id}", headers=other)).status_code == 404
    listed = await sales_client.get("/v1/orders", headers=other)
    assert listed.json()["items"] == []
    theirs = await sales_client.post("/v1/orders", json=order_body(ada, owner="rep-2"), headers=rep)
    assert theirs.status_code == 403
    analyst = bearer(token_for("analyst"))
    assert (
        await sales_client.post("/v1/orders", json=order_body(ada), headers=analyst)
    ).status_code == 403
    assert (await sales_client.get(f"/v1/orders/{order_id}", headers=analyst)).status_code == 200
