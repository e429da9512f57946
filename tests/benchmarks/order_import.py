"""6. Order history import: N orders over C customers, against the customer CSV import of
the same C customers in the same run, and the analytics profile catching up.

A fresh broker; customer, sales and analytics started as ``python -m crm_<svc>`` on SQLite
(the embedded default). Then:

- baseline: one ``POST /v1/customers/import`` of C new customers (each with an external id
  ``ERP-<run>-<i>``), rows/s = C / the request's wall time (as in measurement 5);
- once the sales view and analytics have applied the C customers: one
  ``POST /v1/orders/import`` of N orders (``customer_external_id``, ``ordered_at``,
  ``amount``, ``quantity``, ``product``, ``external_id``; N / C orders per customer), rows/s
  = N / the request's wall time (read, check, resolve customers, write orders, lines,
  payments and outbox rows in chunks of CRM_SALES_ORDER_IMPORT_CHUNK_ROWS, commit each);
- profile: from the moment the order import was sent, ``GET /v1/profiles/{id}`` of the
  last row's customer on analytics every 250 ms until its ``sales.orders`` equals the orders
  the file gave that customer (bounded: the plan's ``order_profile_wait`` seconds after the
  response, then reported as not reached, e.g. while analytics has no ``sales`` section).
"""

import asyncio
import time

import httpx
from crm_launcher.broker import BundledBroker

from tests.benchmarks.bulk_import import import_csv, post_import, wait_for
from tests.benchmarks.harness import AUTHORIZATION, Child, Harness
from tests.benchmarks.plan import Plan
from tests.benchmarks.report import Section

POLL_EVERY = 0.25
HEADER = "customer_external_id,ordered_at,amount,quantity,product,external_id"


def orders_csv(run: str, orders: int, customers: int) -> bytes:
    """N orders of the C customers of ``import_csv(run, C)``, round robin, in 2025."""
    lines = [HEADER]
    for i in range(orders):
        lines.append(
            f"ERP-{run}-{i % customers},2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z,"
            f"{10 + i % 990}.{i % 100:02d},{1 + i % 3},Product {i % 50},ORD-{run}-{i}"
        )
    return ("\n".join(lines) + "\n").encode()


def base_url(child: Child) -> str:
    return f"http://{child.pool.host}:{child.pool.port}"


async def customer_id_of(customer: Child, external_id: str) -> str:
    response = await customer.pool.request("GET", f"/v1/customers?external_id={external_id}")
    items = response.json()["items"]
    if response.status != 200 or len(items) != 1:
        raise RuntimeError(
            f"customer {external_id}: HTTP {response.status} {response.body[:300]!r}"
        )
    return str(items[0]["id"])


async def post_orders(sales: Child, content: bytes, count: int) -> float:
    async with httpx.AsyncClient(
        base_url=base_url(sales), timeout=3600, headers=AUTHORIZATION
    ) as client:
        started = time.perf_counter()
        response = await client.post(
            "/v1/orders/import", content=content, headers={"content-type": "text/csv"}
        )
        seconds = time.perf_counter() - started
    summary = response.json() if response.status_code == 200 else None
    if summary is None or summary["imported"] != count or summary["errors"]:
        raise RuntimeError(
            f"the order import answered {response.status_code}: {response.text[:500]}\n"
            f"{sales.log_tail()}"
        )
    return seconds


async def profile_orders(analytics: Child, customer_id: str) -> int | None:
    """``sales.orders`` of the customer's profile (None: no profile or no sales section)."""
    response = await analytics.pool.request("GET", f"/v1/profiles/{customer_id}")
    if response.status != 200:
        return None
    sales = response.json().get("sales")
    orders = sales.get("orders") if isinstance(sales, dict) else None
    return orders if isinstance(orders, int) else None


async def profile_caught_up(
    analytics: Child, customer_id: str, expected: int, sent: float, deadline: float
) -> tuple[float | None, int | None]:
    """Seconds from ``sent`` until the profile shows ``expected`` orders (None: not by the
    deadline), and the last count seen."""
    seen: int | None = None
    while time.perf_counter() < deadline:
        seen = await profile_orders(analytics, customer_id)
        if seen is not None and seen >= expected:
            return time.perf_counter() - sent, seen
        await asyncio.sleep(POLL_EVERY)
    return None, seen


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    customers, orders = plan.order_import_customers, plan.order_import_rows
    run_id = harness.run_id
    label = f"SQLite ({orders:,} orders, {customers:,} customers)"
    broker: BundledBroker = await harness.start_broker()
    try:
        customer = await harness.start_service("customer", broker)
        sales, analytics = await asyncio.gather(
            harness.start_service("sales", broker), harness.start_service("analytics", broker)
        )
        started = time.perf_counter()
        watchers = [
            asyncio.create_task(wait_for(view, "applied", customers, started))
            for view in (sales, analytics)
        ]
        baseline, _ = await post_import(customer, import_csv(run_id, customers), customers)
        await asyncio.gather(*watchers)

        last = orders - 1
        last_customer = await customer_id_of(customer, f"ERP-{run_id}-{last % customers}")
        expected = sum(1 for i in range(orders) if i % customers == last % customers)
        content = orders_csv(run_id, orders, customers)
        sent = time.perf_counter()
        imported = await post_orders(sales, content, orders)
        deadline = time.perf_counter() + plan.order_profile_wait
        shown, seen = await profile_caught_up(analytics, last_customer, expected, sent, deadline)
        for child in (customer, sales, analytics):
            await harness.stop(child)
    finally:
        harness.stop_broker(broker)

    section.add(label, "order import", "rows/s", orders / imported, baseline.rate(customers))
    section.note(
        f"order import request {imported:.1f} s for {orders:,} rows; the baseline customer "
        f"import {baseline.seconds:.1f} s for {customers:,} rows"
    )
    if shown is not None:
        section.note(
            f"the last imported order showed in the analytics profile {shown:.1f} s after the "
            f"order import was sent ({shown - imported:.1f} s after its response)"
        )
    else:
        section.note(
            "the last imported order did NOT show in the analytics profile within "
            f"{plan.order_profile_wait:.0f} s of the response (sales.orders of customer "
            f"{last_customer}: {seen!r}, expected {expected}); analytics may not project sales "
            "events yet"
        )


def section(plan: Plan) -> Section:
    return Section(
        key="orders",
        title="6. Order history import, and the analytics profile catching up",
        service_name="orders",
        baseline_name="customers",
        method=[
            f"{plan.order_import_rows:,} orders over {plan.order_import_customers:,} customers "
            "in one CSV (customer_external_id, ordered_at,",
            "amount, quantity, product, external_id). customer, sales and analytics on SQLite, "
            "one broker.",
            "orders:    one POST /v1/orders/import to sales; N / its wall time (chunks of "
            "5,000 rows, each its own",
            "           transaction: orders, lines, payments, outbox). Baseline: one POST "
            "/v1/customers/import of the",
            "           same customers first, in this run (C / its wall time).",
            "profile:   GET /v1/profiles/{id} of the last row's customer on analytics every "
            f"{POLL_EVERY * 1000:.0f} ms until sales.orders",
            f"           counts its orders (at most {plan.order_profile_wait:.0f} s after the "
            "response).",
        ],
    )
