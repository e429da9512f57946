"""The monthly composition of the customer base and the scorecard per segment, from
customer, order and ticket events and the scores; a merged customer's facts count for its
survivor, merged, erased and later customers are not in the base."""

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from crm_shared.testing import created, erased, merged
from crm_shared.testing.sales_fact_events import order, order_placed
from crm_shared.testing.support_fact_events import recovery_recorded, ticket, ticket_opened
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver_run
from services.analytics.tests.reports_data import score, store_scores

DECEMBER = "2026-12"
K1: dict[str, Any] = {
    "birth_date": "2000-06-01", "segmentation": {"occupation": "engineer"}, "region": "North",
}  # fmt: skip


def day(month: int, dom: int, year: int = 2026) -> datetime:
    return datetime(year, month, dom, 9, 0, tzinfo=UTC)


@pytest.fixture
async def base(app: FastAPI) -> None:
    engineer = {"occupation": "engineer"}
    await deliver_run(
        app,
        [
            created("k1", 1, **K1),
            # Twenty on the period's last day.
            created("k2", 1, birth_date="2006-12-31", segmentation=engineer, region="North",
                    industry=None, created_at=day(12, 3)),
            created("k3", 1, birth_date=None, segmentation={}, industry="retail", region="South"),
            created("k4", 1, birth_date="1950-01-01", created_at=day(1, 5, 2027)),
            created("k5", 1), created("k6", 1),
        ],
        day(1, 1),
    )  # fmt: skip
    k1_ticket, k6_ticket = ticket("t1", "k1"), ticket("t6", "k6")
    await deliver_run(
        app,
        [
            merged("k1", "k6", 2, **K1),
            erased("k5", 2),
            order_placed(order("o1", "k1", total="150.00", ordered_at=day(12, 2))),
            order_placed(order("o6", "k6", total="100.00", ordered_at=day(12, 4))),
            order_placed(order("o2", "k2", total="600.00", ordered_at=day(12, 5))),
            order_placed(order("o3", "k2", total="50.00", ordered_at=day(11, 5))),
            order_placed(order("o5", "k5", total="900.00", ordered_at=day(12, 5))),
            ticket_opened(k1_ticket), ticket_opened(k6_ticket),
            recovery_recorded("r1", k1_ticket, "30.00"),
            recovery_recorded("r6", k6_ticket, "10.00"),
        ],
        day(12, 10),
    )  # fmt: skip
    await store_scores(
        app,
        [
            score("k1", rfm_segment="champions", first_order_at=day(1, 1)),
            score("k2", rfm_segment="new", first_order_at=day(12, 5)),
        ],
    )


async def report(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(f"/v1/reports/{path}", params={"period": DECEMBER})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_composition_of_the_base(client: httpx.AsyncClient, base: None) -> None:
    found = await report(client, "composition")

    assert found["customers"] == 3  # k4 came later, k5 was erased, k6 merged into k1
    assert found["spend_bands"] == ["<100", "100-250", "250-500", ">=500"]
    counted = {
        (d["dimension"], d["key"]): (d["customers"], d["spend"]) for d in found["dimensions"]
    }
    assert counted == {
        ("age_band", "20-29"): (2, "850.00"), ("age_band", "unknown"): (1, "0.00"),
        ("occupation", "engineer"): (2, "850.00"), ("occupation", None): (1, "0.00"),
        ("industry", "computing"): (1, "250.00"), ("industry", "retail"): (1, "0.00"),
        ("industry", None): (1, "600.00"),
        ("region", "North"): (2, "850.00"), ("region", "South"): (1, "0.00"),
        # k1 spent 150 and its alias 100: 250 is in 250-500.
        ("value_band", "<100"): (1, "0.00"), ("value_band", "250-500"): (1, "250.00"),
        ("value_band", ">=500"): (1, "600.00"),
    }  # fmt: skip


async def test_the_scorecard_per_segment(client: httpx.AsyncClient, base: None) -> None:
    found = await report(client, "scorecard")

    champions, new, unscored = found["segments"]
    assert champions == {
        "segment": "champions", "customers": 1, "new_customers": 0, "first_time_buyers": 0,
        "returning_base": 1, "retained": 1, "retention_rate": 1.0, "orders": 2,
        "revenue": "250.00", "written_off": "0.00", "recovery_cost": "40.00", "net": "210.00",
        "net_per_customer": "210.00", "tickets": 2, "tickets_per_customer": 2.0,
        "recovery_cost_per_customer": "40.00",
    }  # fmt: skip
    assert (new["segment"], new["new_customers"], new["first_time_buyers"]) == ("new", 1, 1)
    assert (new["returning_base"], new["retention_rate"], new["revenue"]) == (0, None, "600.00")
    assert (unscored["segment"], unscored["customers"], unscored["orders"]) == (None, 1, 0)
    assert unscored["net"] == "0.00"


def test_age_bands_turn_on_the_birthday() -> None:
    from crm_analytics.reports.rules import age_band

    on = date(2026, 12, 31)
    assert age_band(date(2006, 12, 31), on) == "20-29"
    assert age_band(date(2007, 1, 1), on) == "<20"
    assert age_band(date(1956, 12, 31), on) == "70+"
    assert age_band(date(1957, 1, 1), on) == "60-69"
    assert age_band(None, on) == "unknown"
    # A 29 February birthday on a leap day, and on 28 February of a common year.
    assert age_band(date(2008, 2, 29), date(2028, 2, 29)) == "20-29"
    assert age_band(date(1998, 2, 28), date(2028, 2, 29)) == "30-39"
