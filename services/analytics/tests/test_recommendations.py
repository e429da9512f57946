"""Cross-sell suggestions: association rules counted over a tiny basket set (support,
confidence and lift checked by hand), the suggestions ranked from them, with the reason in
words, across merged customers, and the order lines written by the sales projection."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_analytics.profiles.models import CustomerAlias
from crm_analytics.recommendations.models import AssociationRule
from crm_analytics.recommendations.service import refresh_rules, suggestions_for
from crm_analytics.sales.models import SalesOrder
from crm_analytics.scores.models import OrderLine
from crm_shared.testing import at, created, uid
from crm_shared.testing.problems import assert_problem
from crm_shared.testing.sales_fact_events import order, order_placed, payment_changed
from fastapi import FastAPI
from sqlalchemy import insert, select

from services.analytics.tests.analytics_harness import deliver, deliver_run

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
P, Q, R, R_OLD, S = uid("p"), uid("q"), uid("r"), uid("r-old"), uid("s")

# Four orders count (the fifth is cancelled): Tent in 3, Stove in 3, Lamp in 2;
# Tent+Stove in 2, Tent+Lamp in 2, Stove+Lamp in 1.
BASKETS: list[tuple[str, str, list[str], bool]] = [
    ("o-1", P, ["Tent", "Stove"], False),
    ("o-2", Q, ["Tent", "Stove", "Lamp"], False),
    ("o-3", R_OLD, ["Tent", "Lamp"], False),  # filed under an alias merged into R
    ("o-4", S, ["Stove"], False),
    ("o-5", S, ["Tent", "Stove"], True),
]


async def store_baskets(app: FastAPI, baskets: list[tuple[str, str, list[str], bool]]) -> None:
    """Orders and their lines written directly, as the sales projection leaves them."""
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for order_id, customer_id, products, cancelled in baskets:
        orders.append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "version": 1,
                "currency": "EUR",
                "total": Decimal(10) * len(products),
                "paid_amount": Decimal(0),
                "written_off_amount": Decimal(0),
                "ordered_at": NOW,
                "due_date": NOW.date(),
                "payment_state": "open",
                "cancelled": cancelled,
            }
        )
        lines.extend(
            {
                "order_id": order_id,
                "line_no": number,
                "customer_id": customer_id,
                "product": product,
                "quantity": Decimal(1),
                "amount": Decimal(10),
            }
            for number, product in enumerate(products, start=1)
        )
    async with app.state.runtime.session_factory() as session:
        await session.execute(insert(SalesOrder), orders)
        await session.execute(insert(OrderLine), lines)
        await session.commit()


@pytest.fixture
async def rules_refreshed(app: FastAPI) -> int:
    for customer_id in (P, Q, R, S):
        await deliver(app, created(customer_id, 1), at(0))
    await store_baskets(app, BASKETS)
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(CustomerAlias),
            [{"alias_id": R_OLD, "survivor_id": R, "merged_at": NOW, "merge_event_id": "m-1"}],
        )
        kept = await refresh_rules(session, NOW, min_support=0.3, min_confidence=0.5)
        await session.commit()
    return kept


async def test_support_confidence_and_lift_over_the_orders(
    app: FastAPI, rules_refreshed: int
) -> None:
    async with app.state.runtime.session_factory() as session:
        stored = (await session.scalars(select(AssociationRule))).all()

    found = {
        (rule.antecedent, rule.consequent): (
            rule.orders_with_both,
            rule.support,
            round(rule.confidence, 4),
            round(rule.lift, 4),
        )
        for rule in stored
    }
    # Stove+Lamp (1 order of 4) is under the minimum support of 0.3.
    assert rules_refreshed == 4
    assert found == {
        ("Tent", "Stove"): (2, 0.5, 0.6667, 0.8889),  # 2/3 / (3/4)
        ("Stove", "Tent"): (2, 0.5, 0.6667, 0.8889),
        ("Tent", "Lamp"): (2, 0.5, 0.6667, 1.3333),  # 2/3 / (2/4)
        ("Lamp", "Tent"): (2, 0.5, 1.0, 1.3333),  # 2/2 / (3/4)
    }


async def test_suggestions_are_products_never_bought_with_the_reason(
    app: FastAPI, rules_refreshed: int
) -> None:
    async with app.state.runtime.session_factory() as session:
        found = await suggestions_for(session, [P, Q, R, S, uid("nobody")], limit=5)

    assert [(s.product, s.because_of) for s in found[P]] == [("Lamp", "Tent")]
    assert (
        found[P][0].reason == "in 67 % of the orders with Tent, 1.3 times as likely as in any order"
    )
    assert found[Q] == []  # bought everything
    # R's purchases are its alias's (Tent, Lamp); S bought Stove (its Tent was cancelled).
    assert [(s.product, s.because_of) for s in found[R]] == [("Stove", "Tent")]
    assert [(s.product, s.because_of, round(s.score, 4)) for s in found[S]] == [
        ("Tent", "Stove", 0.5926)
    ]
    assert found[uid("nobody")] == []
    for customer_id, bought in ((P, {"Tent", "Stove"}), (R, {"Tent", "Lamp"}), (S, {"Stove"})):
        assert not bought & {s.product for s in found[customer_id]}


async def test_the_suggestions_route(
    app: FastAPI, client: httpx.AsyncClient, rules_refreshed: int
) -> None:
    response = await client.get(f"/v1/profiles/{R_OLD}/suggestions")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == R
    assert [item["product"] for item in body["items"]] == ["Stove"]
    assert body["items"][0]["reason"].startswith("in 67 % of the orders with Tent")

    assert_problem(await client.get(f"/v1/profiles/{uid('nobody')}/suggestions"), 404)
    assert_problem(await client.get(f"/v1/profiles/{P}/suggestions?limit=0"), 422)
    assert_problem(await client.get(f"/v1/profiles/{P}/suggestions?limit=51"), 422)


async def test_the_projection_keeps_the_lines_of_an_orders_first_event(app: FastAPI) -> None:
    placed = order("o-9", P, total="30", ordered_at=NOW)
    await deliver_run(app, [order_placed(placed)], NOW)
    later = order("o-9", P, total="30", ordered_at=NOW, paid="30", paid_on=NOW.date(), version=2)
    relined = later.model_copy(
        update={"lines": [later.lines[0].model_copy(update={"product": "Gadget"})]}
    )
    await deliver_run(app, [payment_changed(relined, "30", NOW.date())], NOW)
    await deliver_run(app, [order_placed(placed)], NOW)  # replayed

    async with app.state.runtime.session_factory() as session:
        lines = (await session.execute(select(OrderLine.order_id, OrderLine.line_no,
                 OrderLine.customer_id, OrderLine.product, OrderLine.amount))).all()  # fmt: skip
    assert [tuple(line) for line in lines] == [("o-9", 1, P, "Widget", Decimal("30.00"))]
