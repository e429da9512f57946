"""A merge moves quotes and orders to the survivor; an erasure scrubs their free text."""

import json

import httpx
from crm_sales.handlers import handlers
from crm_shared.testing import deliver, deliveries_of, merged
from fastapi import FastAPI
from sqlalchemy import select

from services.sales.tests.sales_builders_orders import (
    erase_customer,
    know_customers,
    line,
    merge_customers,
    place,
)


async def test_a_merge_moves_the_aliases_quotes_and_orders_to_the_survivor(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    ada, dup = await know_customers(sales_app, "ada", "dup")
    order = await place(sales_client, dup)
    quote = await sales_client.post("/v1/quotes", json={"customer_id": dup, "lines": [line()]})
    kept = await place(sales_client, ada)
    await merge_customers(sales_app, "ada", "dup")
    assert (await sales_client.get(f"/v1/orders/{order['id']}")).json()["customer_id"] == ada
    moved = await sales_client.get(f"/v1/quotes/{quote.json()['id']}")
    assert moved.json()["customer_id"] == ada
    listed = await sales_client.get("/v1/orders", params={"customer_id": ada})
    assert {o["id"] for o in listed.json()["items"]} == {order["id"], kept["id"]}
    assert (await sales_client.get("/v1/orders", params={"customer_id": dup})).json()["items"] == []
    # Redelivered (a new envelope of the same merge): nothing left to move, nothing breaks.
    again = merged(ada, dup, 2)
    await deliver(sales_app.state.runtime.unit_of_work, handlers, deliveries_of(again))
    assert (await sales_client.get(f"/v1/orders/{order['id']}")).json()["customer_id"] == ada


async def test_an_erasure_scrubs_payment_references_and_reasons(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    eve, ada = await know_customers(sales_app, "eve", "ada")
    paid = await place(sales_client, eve)
    await sales_client.post(
        f"/v1/orders/{paid['id']}/payments",
        json={"amount": "10.00", "reference": "Transfer from Eve Example, IBAN DE00 1234"},
    )
    await sales_client.post(
        f"/v1/orders/{paid['id']}/write-off",
        json={"reason": "Eve Example moved abroad"},
        headers={"If-Match": "*"},
    )
    cancelled = await place(sales_client, eve)
    await sales_client.post(
        f"/v1/orders/{cancelled['id']}/cancel",
        json={"reason": "Eve called"},
        headers={"If-Match": "*"},
    )
    quote = await sales_client.post("/v1/quotes", json={"customer_id": eve, "lines": [line()]})
    await sales_client.post(
        f"/v1/quotes/{quote.json()['id']}/reject",
        json={"reason": "Eve says her husband disagrees"},
        headers={"If-Match": "*"},
    )
    other = await place(sales_client, ada)
    await sales_client.post(
        f"/v1/orders/{other['id']}/payments", json={"amount": "1.00", "reference": "ADA-1"}
    )
    await erase_customer(sales_app, "eve")
    read = (await sales_client.get(f"/v1/orders/{paid['id']}")).json()
    assert read["payments"][0]["reference"] is None
    assert read["payments"][0]["amount"] == "10.00"  # the business record stays
    assert read["write_off_reason"] is None
    assert (await sales_client.get(f"/v1/orders/{cancelled['id']}")).json()["cancel_reason"] is None
    rejected = (await sales_client.get(f"/v1/quotes/{quote.json()['id']}")).json()
    assert rejected["reject_reason"] is None
    assert rejected["status"] == "rejected"
    untouched = (await sales_client.get(f"/v1/orders/{other['id']}")).json()
    assert untouched["payments"][0]["reference"] == "ADA-1"
    runtime = sales_app.state.runtime
    entries = runtime.tables.audit_entries
    async with runtime.session_factory() as session:
        changes = (await session.execute(select(entries.c.record_type, entries.c.changes))).all()
    assert {kind for kind, _ in changes} >= {"order", "quote"}
    assert "Eve" not in json.dumps([change for _, change in changes])
