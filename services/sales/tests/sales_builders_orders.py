"""Builders the quote, order and order-import tests share: customers the sales view knows,
lines and bodies, and ``If-Match`` headers."""

from datetime import UTC, datetime
from typing import Any

import httpx
from crm_sales.handlers import handlers
from crm_shared.testing import created, deliver, deliveries_of, erased, merged, uid
from fastapi import FastAPI

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the FakeClock's start: a Monday morning


async def know_customers(app: FastAPI, *names: str, **fields: Any) -> list[str]:
    """Customers the sales view knows (their ``crm.customer.created`` applied), by test
    name; ``external_id`` is ``ERP-<name>``. Returns their ids."""
    events = [created(uid(name), 1, external_id=f"ERP-{name}", **fields) for name in names]
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(*events), one_run=True)
    return [uid(name) for name in names]


async def merge_customers(app: FastAPI, survivor: str, alias: str) -> None:
    event = merged(uid(survivor), uid(alias), 2, external_id=f"ERP-{survivor}")
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(event))


async def erase_customer(app: FastAPI, name: str) -> None:
    event = erased(uid(name), 9)
    await deliver(app.state.runtime.unit_of_work, handlers, deliveries_of(event))


def line(
    product: str = "Widget", quantity: Any = 1, unit_price: str = "100.00", **extra: Any
) -> dict[str, Any]:
    return {"product": product, "quantity": quantity, "unit_price": unit_price, **extra}


def order_body(customer_id: str, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"customer_id": customer_id, "lines": list(lines) or [line()], **fields}


def if_match(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["ETag"]}


async def place(
    client: httpx.AsyncClient, customer_id: str, *lines: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    response = await client.post("/v1/orders", json=order_body(customer_id, *lines, **fields))
    assert response.status_code == 201, response.text
    return dict(response.json())
