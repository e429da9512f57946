"""The pipeline by stage, the forecast by period and group, and pipeline analysis, through
the API (the aggregates' SQL on SQLite and PostgreSQL)."""

from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import assert_problem, bearer, token_for
from fastapi import FastAPI

from services.sales.tests.sales_builders_pipeline import (
    CUSTOMER,
    fake_clock,
    join_teams,
    know_customers,
    move,
    open_opportunity,
)

ANN = bearer(token_for("sales", subject="ann", team="north"))


@pytest.fixture
def clock() -> Clock:
    return fake_clock()  # 2026-10-01


@pytest.fixture(autouse=True)
async def world(sales_app: FastAPI) -> None:
    await join_teams(sales_app, {"ann": "north", "bob": "north", "cy": "south"})
    await know_customers(sales_app, (CUSTOMER, None))


@pytest.fixture
async def book(sales_client: httpx.AsyncClient) -> None:
    rows = [
        ("A1", "ann", "contact", "1000.00", "2026-12-10", "EUR"),
        ("A2", "ann", "negotiation", "2000.00", "2026-12-20", "EUR"),
        ("B1", "bob", "quote", "500.00", "2026-11-05", "EUR"),
        ("C1", "cy", "proposal", "3000.00", "2027-01-10", "EUR"),
        ("C2", "cy", "contact", "700.00", None, "EUR"),
        ("P1", None, "needs_analysis", "100.00", "2026-12-01", "USD"),
    ]
    for name, owner, stage, amount, close, currency in rows:
        await open_opportunity(
            sales_client,
            name=name,
            owner=owner,
            stage=stage,
            amount=amount,
            expected_close_date=close,
            currency=currency,
        )
    won = await open_opportunity(sales_client, name="W1", owner="ann", amount="4000.00")
    await move(sales_client, won["id"], stage="won")  # closed on 2026-10-01
    lost = await open_opportunity(sales_client, name="L1", owner="bob", amount="900.00")
    await move(sales_client, lost["id"], stage="lost", loss_reason="price")


async def get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None, **query: Any
) -> dict[str, Any]:
    response = await client.get(url, params=query, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stages(pipeline: dict[str, Any]) -> dict[str, tuple[int, str, str]]:
    return {
        row["stage"]: (row["count"], row["amount"], row["weighted_amount"])
        for row in pipeline["stages"]
    }


async def test_the_pipeline_by_stage(sales_client: httpx.AsyncClient, book: None) -> None:
    pipeline = await get(sales_client, "/v1/pipeline")
    assert pipeline["currency"] == "EUR"
    assert pipeline["weighted_total"] == "3270.00"
    assert pipeline["count"] == 5
    assert [row["stage"] for row in pipeline["stages"]] == [
        "contact",
        "needs_analysis",
        "proposal",
        "quote",
        "negotiation",
    ]
    assert stages(pipeline) == {
        "contact": (2, "1700.00", "170.00"),
        "needs_analysis": (0, "0.00", "0.00"),
        "proposal": (1, "3000.00", "1200.00"),
        "quote": (1, "500.00", "300.00"),
        "negotiation": (1, "2000.00", "1600.00"),
    }


async def test_the_pipeline_filters(sales_client: httpx.AsyncClient, book: None) -> None:
    usd = await get(sales_client, "/v1/pipeline", currency="USD")
    assert (usd["currency"], usd["weighted_total"]) == ("USD", "20.00")
    assert (await get(sales_client, "/v1/pipeline", owner="ann"))["weighted_total"] == "1700.00"
    assert (await get(sales_client, "/v1/pipeline", team="north"))["weighted_total"] == "2000.00"
    assert (await get(sales_client, "/v1/pipeline", team="nowhere"))["weighted_total"] == "0.00"
    # a rep's pipeline is what they reach: their own (and the pool's, here in USD)
    assert (await get(sales_client, "/v1/pipeline", ANN))["weighted_total"] == "1700.00"
    assert_problem(await sales_client.get("/v1/pipeline", params={"currency": "EURO"}), 422)


async def test_an_empty_pipeline_lists_every_stage(sales_client: httpx.AsyncClient) -> None:
    pipeline = await get(sales_client, "/v1/pipeline")
    assert pipeline["weighted_total"] == "0.00"
    assert len(pipeline["stages"]) == 5
    assert all(row["count"] == 0 for row in pipeline["stages"])


def groups(forecast: dict[str, Any]) -> dict[str | None, tuple[Any, ...]]:
    return {
        row["key"]: (
            row["weighted"],
            row["best_case"],
            row["committed"],
            row["closed_won"],
            row["open_count"],
            row["committed_count"],
            row["won_count"],
        )
        for row in forecast["groups"]
    }


async def test_forecast_of_a_month_by_owner(sales_client: httpx.AsyncClient, book: None) -> None:
    forecast = await get(sales_client, "/v1/forecast", period="2026-12", group_by="owner")
    assert (forecast["period"], forecast["starts"], forecast["ends"]) == (
        "2026-12",
        "2026-12-01",
        "2026-12-31",
    )
    assert forecast["committed_from"] == "negotiation"
    assert groups(forecast) == {"ann": ("1700.00", "3000.00", "2000.00", "0.00", 2, 1, 0)}


async def test_forecast_of_a_quarter_by_owner_team_and_none(
    sales_client: httpx.AsyncClient, book: None
) -> None:
    by_owner = await get(sales_client, "/v1/forecast", period="2026-Q4", group_by="owner")
    assert groups(by_owner) == {
        "ann": ("1700.00", "3000.00", "2000.00", "4000.00", 2, 1, 1),
        "bob": ("300.00", "500.00", "0.00", "0.00", 1, 0, 0),
    }
    assert [row["key"] for row in by_owner["groups"]] == ["ann", "bob"]
    by_team = await get(sales_client, "/v1/forecast", period="2026-Q4", group_by="team")
    assert groups(by_team) == {"north": ("2000.00", "3500.00", "2000.00", "4000.00", 3, 1, 1)}
    whole = await get(sales_client, "/v1/forecast", period="2026-Q4")
    assert groups(whole) == {None: ("2000.00", "3500.00", "2000.00", "4000.00", 3, 1, 1)}
    assert whole["total"]["weighted"] == "2000.00"
    january = await get(sales_client, "/v1/forecast", period="2027-01", group_by="team")
    assert groups(january) == {"south": ("1200.00", "3000.00", "0.00", "0.00", 1, 0, 0)}
    usd = await get(
        sales_client, "/v1/forecast", period="2026-12", currency="USD", group_by="owner"
    )
    assert groups(usd) == {None: ("20.00", "100.00", "0.00", "0.00", 1, 0, 0)}


async def test_forecast_refuses_a_bad_period_or_grouping(sales_client: httpx.AsyncClient) -> None:
    for period in ("2026-13", "2026-Q5", "Dec 2026", "2026"):
        response = await sales_client.get("/v1/forecast", params={"period": period})
        assert_problem(response, 422)
    assert_problem(await sales_client.get("/v1/forecast"), 422)
    bad_group = await sales_client.get(
        "/v1/forecast", params={"period": "2026-12", "group_by": "x"}
    )
    assert_problem(bad_group, 422)


# -- pipeline analysis --------------------------------------------------------------------------


async def deal(
    client: httpx.AsyncClient, clock: FakeClock, name: str, owner: str, amount: str, steps: Any
) -> None:
    """Open ``name`` and walk it: each step is (days in the stage so far, PATCH body)."""
    first, *moves = steps
    opened = await open_opportunity(
        client,
        name=name,
        owner=owner,
        amount=amount,
        competitor=first.get("competitor"),
        stage=first.get("stage", "contact"),
    )
    for days, body in moves:
        clock.advance(days=days)
        await move(client, opened["id"], **body)


@pytest.fixture
async def history(sales_client: httpx.AsyncClient, clock: FakeClock) -> None:
    c = sales_client
    await deal(c, clock, "O1", "ann", "1000.00", [
        {"competitor": "Globex"},
        (2, {"stage": "needs_analysis"}),
        (3, {"stage": "proposal"}),
        (1, {"stage": "won"}),
    ])  # fmt: skip
    await deal(c, clock, "O2", "ann", "2000.00", [
        {"competitor": "Globex"},
        (4, {"stage": "lost", "loss_reason": "price"}),
    ])  # fmt: skip
    await deal(c, clock, "O3", "ann", "3000.00", [
        {"stage": "proposal", "competitor": "Globex"},
        (2, {"stage": "quote"}),
        (1, {"stage": "lost", "loss_reason": "price"}),
    ])  # fmt: skip
    await deal(c, clock, "O4", "bob", "400.00", [
        {"competitor": "Initech"},
        (1, {"stage": "lost", "loss_reason": "timing"}),
    ])  # fmt: skip
    await deal(c, clock, "O5", "bob", "500.00", [{}])


async def test_analysis(sales_client: httpx.AsyncClient, history: None) -> None:
    found = await get(sales_client, "/v1/pipeline/analysis")
    assert found["currency"] == "EUR"
    assert [
        (c["from_stage"], c["reached"], c["advanced"], c["rate"]) for c in found["conversion"]
    ] == [
        ("contact", 4, 1, 0.25),
        ("needs_analysis", 1, 1, 1.0),
        ("proposal", 2, 2, 1.0),
        ("quote", 2, 1, 0.5),
        ("negotiation", 1, 1, 1.0),
    ]
    assert found["conversion"][-1]["to_stage"] == "won"
    assert [(d["stage"], d["average_days"], d["stays"]) for d in found["days_in_stage"]] == [
        ("contact", 2.33, 3),
        ("needs_analysis", 3.0, 1),
        ("proposal", 1.5, 2),
        ("quote", 1.0, 1),
        ("negotiation", None, 0),
    ]
    assert found["cycle"] == {"closed": 4, "average_days": 3.5}
    assert found["outcomes"] == {
        "won": 1,
        "lost": 3,
        "won_amount": "1000.00",
        "lost_amount": "5400.00",
        "win_rate": 0.25,
    }
    assert found["loss_reasons"] == [
        {"reason": "price", "count": 2, "amount": "5000.00"},
        {"reason": "timing", "count": 1, "amount": "400.00"},
    ]
    assert [
        (c["competitor"], c["won"], c["lost"], c["win_rate"]) for c in found["competitors"]
    ] == [
        ("Globex", 1, 2, 0.3333),
        ("Initech", 0, 1, 0.0),
    ]


async def test_analysis_of_one_owner(sales_client: httpx.AsyncClient, history: None) -> None:
    found = await get(sales_client, "/v1/pipeline/analysis", owner="bob")
    assert found["owner"] == "bob"
    assert found["conversion"][0]["reached"] == 2
    assert found["conversion"][0]["rate"] == 0.0
    assert found["cycle"] == {"closed": 1, "average_days": 1.0}
    assert found["outcomes"]["win_rate"] == 0.0
    assert [r["reason"] for r in found["loss_reasons"]] == ["timing"]
    # a rep analyses what they reach
    assert (await get(sales_client, "/v1/pipeline/analysis", ANN))["outcomes"]["lost"] == 2


async def test_analysis_window(sales_client: httpx.AsyncClient, history: None) -> None:
    before = await get(
        sales_client, "/v1/pipeline/analysis", **{"from": "2026-09-01", "to": "2026-09-30"}
    )
    assert (before["starts"], before["ends"]) == ("2026-09-01", "2026-09-30")
    assert all(c["rate"] is None for c in before["conversion"])
    assert before["cycle"] == {"closed": 0, "average_days": None}
    assert before["outcomes"]["win_rate"] is None
    assert (before["loss_reasons"], before["competitors"]) == ([], [])
    inverted = {"from": "2026-10-10", "to": "2026-10-01"}
    assert_problem(await sales_client.get("/v1/pipeline/analysis", params=inverted), 422)
    too_long = {"from": "1990-01-01", "to": "2026-10-01"}
    assert_problem(await sales_client.get("/v1/pipeline/analysis", params=too_long), 422)
    not_a_day = {"from": "yesterday"}
    assert_problem(await sales_client.get("/v1/pipeline/analysis", params=not_a_day), 422)
