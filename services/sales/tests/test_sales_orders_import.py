"""POST /v1/orders/import: line-numbered errors, good rows kept, idempotent re-import,
payments of history, customers by id or external id, chunks, malformed files."""

from pathlib import Path

import httpx
import pytest
from crm_sales.settings import SalesSettings
from crm_shared.clock import FakeClock
from crm_shared.testing import bearer, outbox_events, token_for, uid
from fastapi import FastAPI

from services.sales.tests.sales_builders_orders import (
    START,
    erase_customer,
    know_customers,
    merge_customers,
)

CHUNK = 3  # rows per transaction here, so that a file of a few rows spans several


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url,
        data_dir=tmp_path,
        order_import_chunk_rows=CHUNK,
        order_import_max_bytes=5_000,
    )


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


async def post(client: httpx.AsyncClient, content: bytes, **headers: str) -> httpx.Response:
    return await client.post(
        "/v1/orders/import", content=content, headers={"content-type": "text/csv", **headers}
    )


async def orders_of(client: httpx.AsyncClient, customer_id: str) -> list[dict]:
    response = await client.get("/v1/orders", params={"customer_id": customer_id, "limit": 100})
    return list(response.json()["items"])


async def test_good_rows_are_imported_and_bad_rows_reported_by_line(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    ada, bob = await know_customers(sales_app, "ada", "bob")
    content = csv(
        "customer_id,ordered_at,amount,product,external_id,quantity",
        f"{ada},2025-01-10,100.00,Widget,ERP-1,4",  # 2
        f"{ada},2025-02-10,abc,Widget,ERP-2,",  # 3: bad amount
        f"{uid('nobody')},2025-02-11,10.00,,ERP-3,",  # 4: unknown customer
        f"{bob},2027-01-01,10.00,,ERP-4,",  # 5: in the future
        f"{bob},2025-03-01T14:30:00+02:00,59.90,,ERP-5,",  # 6
        "not-a-uuid,2025-03-01,1.00,,ERP-6,",  # 7
        f"{bob},2025-13-01,1.00,,ERP-7,0",  # 8: bad date and quantity
        f"{bob},2025-01-01,999999999.00,,ERP-8,0.0001",  # 9: unit price too large
        "",
        f"{bob},2025-04-01,20.00,Gadget,,",  # 11 (after a blank line)
    )
    response = await post(sales_client, content)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["imported"] == 3
    assert summary["skipped"] == 0
    errors = {error["line"]: error["detail"] for error in summary["errors"]}
    assert sorted(errors) == [3, 4, 5, 7, 8, 9]
    assert "unit price" in errors[9]
    assert errors[3].startswith("amount:")
    assert "no customer" in errors[4]
    assert "future" in errors[5]
    assert errors[7].startswith("customer_id:")
    assert "ordered_at:" in errors[8]
    assert "quantity:" in errors[8]
    [widget] = await orders_of(sales_client, ada)
    assert widget["external_id"] == "ERP-1"
    assert widget["source"] == "import"
    assert widget["total"] == "100.00"
    assert widget["lines"] == [
        {
            "product": "Widget",
            "quantity": "4",
            "unit_price": "25.00",
            "discount": "0",
            "amount": "100.00",
        }
    ]
    bobs = await orders_of(sales_client, bob)
    assert [o["ordered_at"] for o in bobs] == ["2025-04-01T00:00:00Z", "2025-03-01T12:30:00Z"]
    assert [o["lines"][0]["product"] for o in bobs] == ["Gadget", "imported order"]
    numbers = sorted(o["number"] for o in [widget, *bobs])
    assert numbers == ["O-000001", "O-000002", "O-000003"]


async def test_history_without_payment_columns_counts_as_paid_on_its_order_date(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    await post(sales_client, csv("customer_id,ordered_at,amount", f"{ada},2025-01-10,80.00"))
    [order] = await orders_of(sales_client, ada)
    assert order["payment_state"] == "paid"
    assert order["paid_amount"] == "80.00"
    assert order["paid_on"] == "2025-01-10"
    assert order["due_date"] == "2025-02-09"  # the default terms, 30 days
    full = (await sales_client.get(f"/v1/orders/{order['id']}")).json()
    assert [(p["amount"], p["method"], p["late"]) for p in full["payments"]] == [
        ("80.00", "import", False)
    ]
    [event] = await outbox_events(sales_app, "order_placed")
    assert event.key == ada
    assert event.payload.order.paid_on.isoformat() == "2025-01-10"
    assert event.payload.order.payment_state == "paid"
    assert event.payload.order.source == "import"


async def test_payment_columns_say_what_was_paid_and_when(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    content = csv(
        "customer_id,ordered_at,amount,external_id,paid_amount,paid_at,payment_terms_days,due_date",
        f"{ada},2025-01-10,100.00,unpaid,0,,14,",
        f"{ada},2025-01-11,100.00,partial,40.00,2025-01-20,,",
        f"{ada},2025-01-12,100.00,late,,2025-03-01,10,",
        f"{ada},2025-01-13,100.00,prepaid,100.00,2025-01-01,,2025-01-13",
        f"{ada},2025-01-14,100.00,over,100.01,,,",
        f"{ada},2025-01-15,100.00,due-before,,,,2025-01-01",
        f"{ada},2025-01-16,100.00,disagree,,,5,2025-01-31",
        f"{ada},2025-01-17,100.00,bad-terms,,,-3,",
        f"{ada},2025-01-18,100.00,later,,2099-01-01,,",
    )
    summary = (await post(sales_client, content)).json()
    assert summary["imported"] == 4
    assert [e["line"] for e in summary["errors"]] == [6, 7, 8, 9, 10]
    assert "paid_amount" in summary["errors"][0]["detail"]
    orders = {o["external_id"]: o for o in await orders_of(sales_client, ada)}
    assert orders["unpaid"]["payment_state"] == "overdue"  # due 2025-01-24, today 2026-03-02
    assert orders["unpaid"]["due_date"] == "2025-01-24"
    assert orders["partial"]["payment_state"] == "overdue"
    assert orders["partial"]["paid_amount"] == "40.00"
    assert orders["late"]["paid_on"] == "2025-03-01"
    assert orders["prepaid"]["paid_on"] == "2025-01-01"
    assert orders["prepaid"]["payment_terms_days"] == 0
    late = (await sales_client.get(f"/v1/orders/{orders['late']['id']}")).json()
    assert late["payments"][0]["late"] is True
    prepaid = (await sales_client.get(f"/v1/orders/{orders['prepaid']['id']}")).json()
    assert prepaid["payments"][0]["prepayment"] is True
    assert (await sales_client.get(f"/v1/orders/{orders['unpaid']['id']}")).json()["payments"] == []


async def test_importing_the_same_file_again_changes_nothing(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    ada, bob = await know_customers(sales_app, "ada", "bob")
    content = csv(
        "customer_id,ordered_at,amount,product,external_id",
        *(f"{ada},2025-01-{day:02d},{day}.00,Widget,ERP-{day}" for day in range(1, 6)),
        *(f"{bob},2025-02-{day:02d},{day}.00,Gadget," for day in range(1, 6)),  # no external id
        f"{bob},2025-02-01,1.00,Gadget,",  # the same order as line 7, in the same file
        f"{bob},2025-02-01,1.00,Other,",  # another product: another order
    )
    first = (await post(sales_client, content)).json()
    assert first == {"imported": 11, "skipped": 1, "errors": []}
    again = (await post(sales_client, content)).json()
    assert again == {"imported": 0, "skipped": 12, "errors": []}
    assert len(await orders_of(sales_client, ada)) == 5
    assert len(await orders_of(sales_client, bob)) == 6
    assert len(await outbox_events(sales_app, "order_placed")) == 11


async def test_a_file_cut_short_is_completed_by_importing_the_whole_file(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (ada,) = await know_customers(sales_app, "ada")
    rows = [f"{ada},2025-01-{day:02d},{day}.00,ERP-{day}" for day in range(1, 11)]
    header = "customer_id,ordered_at,amount,external_id"
    await post(sales_client, csv(header, *rows[:4]))  # as if a crash had lost the rest
    summary = (await post(sales_client, csv(header, *rows))).json()
    assert summary == {"imported": 6, "skipped": 4, "errors": []}
    assert len(await orders_of(sales_client, ada)) == 10


async def test_customers_by_external_id_and_merged_aliases_to_their_survivor(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    ada, dup, eve = await know_customers(sales_app, "ada", "dup", "eve")
    await merge_customers(sales_app, "ada", "dup")
    await erase_customer(sales_app, "eve")
    content = csv(
        "customer_id,customer_external_id,ordered_at,amount",
        ",ERP-ada,2025-01-01,1.00",
        f"{dup},,2025-01-02,2.00",
        ",ERP-unknown,2025-01-03,3.00",
        f"{eve},,2025-01-04,4.00",
        ",,2025-01-05,5.00",
    )
    summary = (await post(sales_client, content)).json()
    assert summary["imported"] == 2
    errors = {e["line"]: e["detail"] for e in summary["errors"]}
    assert "customer_external_id: no customer ERP-unknown" in errors[4]
    assert "erased" in errors[5]
    assert "required" in errors[6]
    assert len(await orders_of(sales_client, ada)) == 2


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (csv("ordered_at,amount", "2025-01-01,1.00"), 1, "customer_id or customer_external_id"),
        (csv("customer_id,ordered_at,amount,colour", "x,y,z,w"), 1, "unknown columns"),
        (csv("customer_id,ordered_at,amount,amount", "x,y,z,w"), 1, "named twice"),
        (csv("customer_id,ordered_at,amount", 'a,"2025-01-01,1', "b,c,d"), 2, "never closed"),
        (b"customer_id,ordered_at,amount\n\xff,x,y\n", 2, "not UTF-8"),
    ],
)
async def test_a_malformed_file_is_refused_whole_with_its_line(
    sales_app: FastAPI, sales_client: httpx.AsyncClient, content: bytes, line: int, words: str
) -> None:
    response = await post(sales_client, content)
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith(f"line {line}:")
    assert words in problem["detail"]
    assert await outbox_events(sales_app) == []


async def test_size_media_type_and_permission(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    big = csv("customer_id,ordered_at,amount", *["x,2025-01-01,1.00"] * 400)
    assert (await post(sales_client, big)).status_code == 413
    json_body = await sales_client.post("/v1/orders/import", json={"rows": []})
    assert json_body.status_code == 415
    support = bearer(token_for("support"))
    content = csv("customer_id,ordered_at,amount")
    assert (await post(sales_client, content, **support)).status_code == 403
    form = await sales_client.post(
        "/v1/orders/import", files={"file": ("orders.csv", content, "text/csv")}
    )
    assert form.json() == {"imported": 0, "skipped": 0, "errors": []}


async def test_a_rep_imports_only_for_customers_within_reach(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    (mine,) = await know_customers(sales_app, "mine")  # owned by rep-7
    rep = bearer(token_for("sales", subject="rep-7"))  # the builders' default owner
    other = bearer(token_for("sales", subject="rep-8"))
    content = csv("customer_id,ordered_at,amount", f"{mine},2025-01-01,1.00")
    refused = (await post(sales_client, content, **other)).json()
    assert refused["imported"] == 0
    assert "no customer" in refused["errors"][0]["detail"]
    accepted = (await post(sales_client, content, **rep)).json()
    assert accepted["imported"] == 1
    [order] = await orders_of(sales_client, mine)
    assert order["owner"] == "rep-7"  # the customer's owner
