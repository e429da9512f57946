"""The order history import of a large file through the API: every row in, one event per
order, and the same file again all skipped."""

import time
from pathlib import Path

import httpx
import pytest
from crm_sales.handlers import handlers
from crm_sales.orders.models import Order, OrderLine, Payment
from crm_sales.settings import SalesSettings
from crm_shared.testing import created, deliver, deliveries_of, uid
from fastapi import FastAPI
from sqlalchemy import func, select

ROWS = 20_000
CUSTOMERS = 4_000


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(
        database_url=sales_database_url, data_dir=tmp_path, rate_limit_enabled=False
    )


def history(rows: int, customers: int) -> bytes:
    lines = ["customer_external_id,ordered_at,amount,quantity,product,external_id,paid_amount"]
    for i in range(rows):
        paid = "" if i % 10 else "0"  # every tenth order still unpaid
        lines.append(
            f"ERP-C{i % customers},2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z,"
            f"{10 + i % 990}.{i % 100:02d},{1 + i % 3},Product {i % 50},ERP-O{i},{paid}"
        )
    return ("\n".join(lines) + "\n").encode()


async def count(app: FastAPI, model: type) -> int:
    async with app.state.runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_large_history_file_is_imported_whole_and_again_skipped(
    sales_app: FastAPI, sales_client: httpx.AsyncClient
) -> None:
    events = [created(uid(f"c{i}"), 1, external_id=f"ERP-C{i}") for i in range(CUSTOMERS)]
    await deliver(
        sales_app.state.runtime.unit_of_work, handlers, deliveries_of(*events), one_run=True
    )
    content = history(ROWS, CUSTOMERS)
    started = time.perf_counter()
    response = await sales_client.post(
        "/v1/orders/import", content=content, headers={"content-type": "text/csv"}, timeout=600
    )
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    assert response.json() == {"imported": ROWS, "skipped": 0, "errors": []}
    print(f"\n{ROWS} orders imported in {seconds:.1f} s ({ROWS / seconds:,.0f} rows/s)")
    assert await count(sales_app, Order) == ROWS
    assert await count(sales_app, OrderLine) == ROWS
    assert await count(sales_app, Payment) == ROWS - ROWS // 10
    runtime = sales_app.state.runtime
    async with runtime.session_factory() as session:
        outbox = runtime.tables.outbox
        placed = await session.scalar(
            select(func.count()).where(outbox.c.event_type == "crm.sales.order_placed.v1")
        )
    assert placed == ROWS
    again = await sales_client.post(
        "/v1/orders/import", content=content, headers={"content-type": "text/csv"}, timeout=600
    )
    assert again.json() == {"imported": 0, "skipped": ROWS, "errors": []}
