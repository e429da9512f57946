"""The profile's sales section and the sales events on the timeline, on a real database:
orders, payments and the pipeline projected with version guards, merges and erasure."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.contracts.sales import OpportunityStage
from crm_shared.testing import at, created, erased, merged, uid
from crm_shared.testing.sales_fact_events import (
    lead_converted,
    opportunity,
    opportunity_opened,
    order,
    order_cancelled,
    order_placed,
    payment_changed,
    stage_changed,
)
from fastapi import FastAPI
from sqlalchemy import event

from services.analytics.tests.analytics_harness import (
    deliver,
    deliver_run,
    profile_of,
    timeline_of,
)

A, B, C1 = uid("a"), uid("b"), uid("c1")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


async def sales_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    section: dict[str, Any] = (await profile_of(client, customer_id))["sales"]
    return section


async def test_orders_payments_and_pipeline_make_the_sales_section(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    overdue = order("o-1", C1, number="SO-1", total="1000", ordered_at=days_ago(60))
    paid = order("o-2", C1, number="SO-2", total="500.50", ordered_at=days_ago(5),
                 paid="500.50", paid_on=NOW.date(), version=2)  # fmt: skip
    partly = order("o-3", C1, number="SO-3", total="200", ordered_at=days_ago(2), paid="50")
    moved = opportunity("p-1", C1, stage=OpportunityStage.QUOTE, amount="10000", version=2)
    won = opportunity("p-2", C1, stage=OpportunityStage.WON, amount="3000", version=4)
    await deliver_run(
        app,
        [
            order_placed(overdue),
            order_placed(paid),
            payment_changed(paid, "500.50", NOW.date()),
            order_placed(partly),
            opportunity_opened(opportunity("p-1", C1)),
            stage_changed(moved, OpportunityStage.CONTACT),
            stage_changed(won, OpportunityStage.NEGOTIATION),
        ],
        NOW,
    )

    assert await sales_of(client, C1) == {
        "orders": 3,
        "currency": "EUR",
        "revenue": "1700.50",
        "revenue_by_currency": {"EUR": "1700.50"},
        "last_order_at": days_ago(2).isoformat().replace("+00:00", "Z"),
        "open_opportunities": 1,
        "weighted_pipeline": "6000.00",
        "weighted_pipeline_by_currency": {"EUR": "6000.00"},
        "outstanding": "1150.00",
        "outstanding_by_currency": {"EUR": "1150.00"},
        "overdue_orders": 1,  # SO-1, due 30 days ago; SO-3 is not due yet
    }


async def test_replays_and_older_versions_change_nothing_and_cancellation_is_final(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    placed = order("o-1", C1, total="800", ordered_at=days_ago(3))
    paid = order("o-1", C1, total="800", ordered_at=days_ago(3), paid="800",
                 paid_on=NOW.date(), version=2)  # fmt: skip
    [payment] = await deliver_run(app, [payment_changed(paid, "800", NOW.date())], NOW)
    await deliver_run(app, [order_placed(placed)], NOW)  # older: ignored
    await deliver(app, payment_changed(paid, "800", NOW.date()), NOW, event_id=payment.id)

    section = await sales_of(client, C1)
    assert (section["orders"], section["revenue"], section["outstanding"]) == (1, "800.00", "0.00")

    other = order("o-2", C1, total="100", ordered_at=days_ago(1))
    cancelled = order("o-2", C1, total="100", ordered_at=days_ago(1), version=2)
    await deliver_run(app, [order_placed(other), order_cancelled(cancelled)], NOW)
    await deliver_run(app, [payment_changed(order("o-2", C1, version=3), "5", NOW.date())], NOW)

    section = await sales_of(client, C1)
    assert (section["orders"], section["revenue"]) == (1, "800.00")


async def test_mixed_currencies_are_never_added_up(app: FastAPI, client: httpx.AsyncClient) -> None:
    await deliver(app, created(C1, 1), at(0))
    await deliver_run(
        app,
        [
            order_placed(order("o-1", C1, total="100", currency="EUR")),
            order_placed(order("o-2", C1, total="250", currency="USD")),
            opportunity_opened(opportunity("p-1", C1, amount="1000", currency="USD")),
        ],
        NOW,
    )

    section = await sales_of(client, C1)
    assert (section["currency"], section["revenue"], section["weighted_pipeline"]) == (
        None,
        None,
        None,
    )
    assert section["revenue_by_currency"] == {"EUR": "100.00", "USD": "250.00"}
    assert section["weighted_pipeline_by_currency"] == {"USD": "100.00"}


async def test_a_merged_customers_sales_count_for_the_survivor(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(A, 1), at(0))
    await deliver(app, created(B, 1), at(1))
    await deliver_run(app, [order_placed(order("o-a", A, total="100"))], at(2))
    await deliver_run(app, [order_placed(order("o-b", B, total="300"))], at(3))
    await deliver(app, merged(B, A, 2), at(4))
    # Published about the alias after the merge (another partition): counts all the same.
    await deliver_run(app, [order_placed(order("o-late", A, total="50"))], at(5))

    for asked in (A, B):
        section = await sales_of(client, asked)
        assert (section["orders"], section["revenue"]) == (3, "450.00")


async def test_sales_events_read_on_the_timeline_and_erasure_scrubs_the_lead(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await deliver(app, created(C1, 1), at(0))
    placed = order("o-1", C1, number="SO-77", total="99.90", ordered_at=days_ago(1))
    paid = order("o-1", C1, number="SO-77", total="99.90", ordered_at=days_ago(1), paid="40",
                 version=2)  # fmt: skip
    converted = lead_converted(
        "lead-1", "p-1", customer_id=C1, name="Grace Hopper", email="grace@example.com"
    )
    await deliver_run(
        app,
        [
            converted,
            opportunity_opened(opportunity("p-1", C1, name="Navy compilers", amount="5000")),
            order_placed(placed),
            payment_changed(paid, "40", NOW.date()),
        ],
        NOW,
    )

    summaries = {entry["summary"] for entry in await timeline_of(client, C1)}
    assert summaries >= {
        "Payment of 40 EUR on order SO-77 (partial)",
        f"Order SO-77 placed: 99.90 EUR, due {placed.due_date.isoformat()}",
        "Opportunity opened: Navy compilers (5000 EUR, contact)",
        "Lead converted into an opportunity: Grace Hopper",
    }

    await deliver(app, erased(C1, 2), at(10))

    timeline = await timeline_of(client, C1)
    text = str(timeline)
    for personal in ("Grace Hopper", "grace@example.com", "Navy compilers"):
        assert personal not in text
    assert "Order SO-77 placed: 99.90 EUR" in text  # the business facts stay
    section = await sales_of(client, C1)
    assert (section["orders"], section["revenue"]) == (1, "99.90")


async def test_a_big_run_projects_in_a_few_statements(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    customers = [uid(f"k{n}") for n in range(200)]
    events = [
        order_placed(order(f"o-{n}", customers[n % 200], total="10", ordered_at=days_ago(1)))
        for n in range(2000)
    ]
    statements: list[str] = []
    engine = app.state.runtime.engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        await deliver_run(app, events, NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    # A fixed number whatever the run's size: the profile, the sales section and its order
    # lines, the live scores of the 200 customers (summary, service figures, MVC inputs,
    # the write) and the membership refresh each take a few statements for the whole run.
    assert len(statements) < 60, statements
    response = await client.get(f"/v1/profiles/{customers[7]}/timeline")
    assert response.status_code == 200  # history shown before the customer's own events
    await deliver(app, created(customers[7], 1), at(0))
    section = await sales_of(client, customers[7])
    assert (section["orders"], section["revenue"]) == (10, "100.00")
