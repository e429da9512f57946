"""The most-valuable-customer order and the loyalty score: the 8 classes from the 8
combinations, the loyalty indicators by hand, the inputs read set-based from profiles,
orders (an alias's too), complaints and opportunities, and the report per class."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import numpy as np
from crm_analytics.profiles.models import CustomerAlias
from crm_analytics.sales.models import SalesOpportunity, SalesOrder
from crm_analytics.scores.models import CustomerScore
from crm_analytics.scores.mvc import MvcCuts, evaluate, loyalty_scores, mvc_classes
from crm_analytics.scores.mvc_inputs import mvc_inputs
from crm_analytics.support.models import SupportTicket
from crm_shared.contracts.customer import CreditGrade, CustomerKind
from crm_shared.contracts.sales import OpportunityStage
from crm_shared.testing import at, created, uid
from crm_shared.testing.sales_fact_events import opportunity, opportunity_opened, stage_changed
from fastapi import FastAPI
from sqlalchemy import insert

from services.analytics.tests.analytics_harness import deliver, deliver_run

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BIG, BIG_OLD, SMALL, RICH, UNKNOWN = (
    uid("big"),
    uid("big-old"),
    uid("small"),
    uid("rich"),
    uid("unk"),
)
CUTS = MvcCuts(
    large_employees=50,
    large_annual_revenue=10_000_000,
    large_spend=1_000,
    loyal_score=0.5,
    decision_days=30,
)


def days(number: float) -> datetime:
    return NOW + timedelta(days=number)


def test_the_eight_classes_from_the_eight_combinations() -> None:
    combos = [(c, s, lo) for c in (True, False) for s in (True, False) for lo in (True, False)]
    credit, large, loyal = (np.array(column) for column in zip(*combos, strict=True))

    assert mvc_classes(credit, large, loyal).tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_loyalty_is_the_mean_of_the_known_indicators() -> None:
    nan = math.nan
    repeat = np.array([2 / 3, 0.0, nan])
    tolerance = np.array([1.0, nan, nan])
    stated = np.array([0.85, nan, nan])

    scores = loyalty_scores(repeat, tolerance, stated)

    assert scores[0] == (2 / 3 + 1.0 + 0.85) / 3
    assert scores[1] == 0.0
    assert math.isnan(scores[2])  # nothing known: no score


def order_row(
    order_id: str, customer_id: str, total: str, when: datetime, **more: Any
) -> dict[str, Any]:
    return {
        "order_id": order_id, "customer_id": customer_id, "version": 1, "currency": "EUR",
        "total": Decimal(total), "paid_amount": Decimal(0), "written_off_amount": Decimal(0),
        "ordered_at": when, "due_date": when.date(), "payment_state": "open",
        "cancelled": False, **more,
    }  # fmt: skip


def opportunity_row(
    opportunity_id: str, customer_id: str, stage: str, **more: Any
) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity_id, "customer_id": customer_id, "version": 1,
        "stage": stage, "currency": "EUR", "amount": Decimal(100),
        "weighted_amount": Decimal(0), **more,
    }  # fmt: skip


def complaint(ticket_id: str, customer_id: str, when: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id, "customer_id": customer_id, "version": 1, "kind": "complaint",
        "status": "closed", "major": False, "received_at": when,
    }  # fmt: skip


async def store_history(app: FastAPI) -> None:
    big = {"employees": 200, "brand_loyalty": "strong"}
    await deliver(
        app,
        created(BIG, 1, kind=CustomerKind.BUSINESS, credit_grade=CreditGrade.A, segmentation=big),
        at(0),
    )
    await deliver(app, created(SMALL, 1, credit_grade=CreditGrade.C, segmentation={}), at(0))
    await deliver(app, created(RICH, 1, credit_grade=CreditGrade.B, segmentation={}), at(0))
    await deliver(app, created(UNKNOWN, 1, kind=CustomerKind.BUSINESS, credit_grade=None,
                               segmentation={"annual_revenue": "20000000.00"}), at(0))  # fmt: skip
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(CustomerAlias),
            [{"alias_id": BIG_OLD, "survivor_id": BIG, "merged_at": NOW, "merge_event_id": "m"}],
        )
        await session.execute(
            insert(SalesOrder),
            [
                order_row("o-1", BIG_OLD, "100", days(0)),
                order_row("o-2", BIG, "100", days(5)),
                order_row("o-3", BIG, "100", days(20)),  # after the complaint of day 10
                order_row("o-4", SMALL, "200", days(0)),
                order_row("o-5", RICH, "1500", days(0)),
                order_row("o-6", RICH, "5000", days(1), cancelled=True),
            ],
        )
        await session.execute(
            insert(SupportTicket),
            [complaint("t-1", BIG, days(10)), complaint("t-2", RICH, days(3))],
        )
        await session.execute(
            insert(SalesOpportunity),
            [
                opportunity_row("p-1", BIG, "won", opened_at=days(0), closed_at=days(30)),
                opportunity_row("p-2", BIG_OLD, "lost", competitor="Rival", closed_at=days(9)),
                opportunity_row("p-3", SMALL, "negotiation", opened_at=days(0)),
            ],
        )
        await session.commit()


async def test_inputs_loyalty_and_classes_from_the_history(app: FastAPI) -> None:
    await store_history(app)
    async with app.state.runtime.session_factory() as session:
        inputs = await mvc_inputs(session, None)
        only_big = await mvc_inputs(session, [BIG])

    result = evaluate(inputs, CUTS)
    pairs = zip(result.mvc_class.tolist(), result.loyalty.tolist(), strict=True)
    found = dict(zip(inputs.customer_ids, pairs, strict=True))

    # BIG: repeat 2/3 (3 orders, one its alias's), bought after its complaint 1, half its
    # closed opportunities lost to a competitor 0.5, won in 30 days 30/(30+30) = 0.5,
    # states strong loyalty 0.85: high credit, large (200 employees), loyal.
    assert found[BIG][0] == 1
    assert math.isclose(found[BIG][1], (2 / 3 + 1 + 0.5 + 0.5 + 0.85) / 5)
    # SMALL: one order (repeat 0), grade C, spent 200: low, small, disloyal.
    assert found[SMALL] == (8, 0.0)
    # RICH: one order that counts (1500 >= 1000), complained after it: high, large, disloyal.
    assert found[RICH] == (2, 0.0)
    # UNKNOWN: no grade, a large business by revenue, nothing to judge loyalty by.
    assert found[UNKNOWN][0] == 6
    assert math.isnan(found[UNKNOWN][1])
    assert BIG_OLD not in found
    assert only_big.customer_ids == [BIG]
    assert only_big.orders.tolist() == [3]


def score_row(
    customer_id: str, mvc_class: int | None, total: str, loyalty: float | None
) -> dict[str, Any]:
    return {
        "customer_id": customer_id, "sequence": 1, "computed_at": NOW, "orders": 1,
        "monetary_total": Decimal(total), "window_value": Decimal(total),
        "clv_frequency": 0.0, "clv_recency": 0.0, "clv_t": 0.0, "clv_monetary_value": 0.0,
        "churn_score": 0.0, "churn_level": "low", "churn_reasons": [],
        "mvc_class": mvc_class, "loyalty_score": loyalty,
    }  # fmt: skip


async def test_the_report_counts_customers_and_value_per_class(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(CustomerScore),
            [
                score_row(uid("c1"), 1, "1000.50", 0.9),
                score_row(uid("c2"), 1, "500", 0.7),
                score_row(uid("c3"), 8, "20", 0.1),
                score_row(uid("c4"), None, "0", None),
            ],
        )
        await session.commit()

    response = await client.get("/v1/reports/mvc")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unclassified"] == 1
    classes = {line["mvc_class"]: line for line in body["classes"]}
    assert sorted(classes) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert classes[1] == {
        "mvc_class": 1, "credit": "high", "size": "large", "loyalty": "loyal",
        "customers": 2, "value": "1500.50", "average_loyalty": 0.8,
    }  # fmt: skip
    assert (classes[8]["credit"], classes[8]["size"], classes[8]["loyalty"]) == (
        "low",
        "small",
        "disloyal",
    )
    assert (classes[8]["customers"], classes[8]["value"]) == (1, "20.00")
    assert (classes[4]["customers"], classes[4]["value"], classes[4]["average_loyalty"]) == (
        0,
        "0.00",
        None,
    )


async def test_the_projection_keeps_what_the_loyalty_indicators_read(app: FastAPI) -> None:
    opened = opportunity("p-9", SMALL)
    lost = opportunity("p-9", SMALL, stage=OpportunityStage.LOST, version=2).model_copy(
        update={"competitor": "Rival", "closed_at": days(12)}
    )
    await deliver_run(app, [opportunity_opened(opened), stage_changed(lost, opened.stage)], NOW)

    async with app.state.runtime.session_factory() as session:
        stored = await session.get(SalesOpportunity, "p-9")

    assert stored is not None
    assert (stored.stage, stored.competitor) == ("lost", "Rival")
    assert (stored.opened_at, stored.closed_at) == (opened.created_at, days(12))
