"""GET /v1/reports/churn: the churn rate of a period and its series over a small history
checked by hand, the reasons report, the CSV and period validation."""

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing.problems import assert_problem
from fastapi import FastAPI

from services.analytics.tests.churn_history import History

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(hour=12, tzinfo=UTC)


async def small_history(app: FastAPI) -> None:
    """Active = bought within 365 days: at 2025-10-01 since 2024-10-01, at 2026-01-01 since
    2025-01-01, at 2026-04-01 since 2025-04-01."""
    history = History()
    history.order("a", day("2025-06-01"))  # active throughout
    history.order("a", day("2026-02-10"))
    history.order("b", day("2025-03-15"))  # lost in 2026-Q1
    history.order("c", day("2024-11-01"))  # lost in 2025-Q4
    history.order("d", day("2026-02-01"))  # new in 2026-Q1
    history.order("e", day("2025-11-15"))  # new in 2025-Q4
    history.order("g-old", day("2025-02-20"))  # merged into g: g stays, is not new
    history.alias("g-old", "g", day("2025-06-01"))
    history.order("g", day("2026-03-01"))
    history.order("h", day("2025-12-01"), cancelled=True)  # never a customer
    history.order("i", day("2025-02-01"))  # lost in 2026-Q1
    history.lost("b", day("2026-02-01"), "Indifference")
    history.lost("i", day("2026-03-01"), " cheaper  elsewhere ")
    history.lost("x", day("2026-03-05"), None)
    history.lost("y", day("2025-12-31"), "moved")  # the quarter before
    history.lost_opportunity("a", day("2026-01-15"), "Competitor")
    history.lost_opportunity("e", day("2026-02-01"), "price")
    history.lost_opportunity("g", datetime(2026, 4, 1, tzinfo=UTC), "price")  # the next one
    await history.write(app)


def figures(body: dict[str, object]) -> tuple[object, ...]:
    keys = ("customers_at_start", "lost", "active_at_end", "new_customers",
            "churn_rate_percent", "retention_rate_percent")  # fmt: skip
    return tuple(body[key] for key in keys)


async def test_churn_rate_and_series_by_hand(app: FastAPI, client: httpx.AsyncClient) -> None:
    await small_history(app)

    response = await client.get("/v1/reports/churn", params={"period": "2026-q1", "periods": 2})

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == {
        "label": "2026-Q1", "start": "2026-01-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"
    }  # fmt: skip
    assert report["active_window_days"] == 365
    assert figures(report) == (5, 2, 4, 1, 40.0, 60.0)
    assert [each["period"]["label"] for each in report["series"]] == ["2025-Q4", "2026-Q1"]
    assert figures(report["series"][0]) == (5, 1, 5, 1, 20.0, 80.0)
    assert figures(report["series"][1]) == figures(report)


async def test_a_month_series_and_an_empty_period(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/reports/churn", params={"period": "2026-01"})

    assert response.status_code == 200
    labels = [each["period"]["label"] for each in response.json()["series"]]
    assert labels == ["2025-10", "2025-11", "2025-12", "2026-01"]
    assert figures(response.json()) == (0, 0, 0, 0, None, None)


async def test_the_reasons_beside_the_reference_shares(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await small_history(app)

    reasons = (await client.get("/v1/reports/churn?period=2026-Q1")).json()["reasons"]

    rows = [(r["reason"], r["lifecycle"], r["opportunities"], r["total"], r["share_percent"],
             r["reference_percent"]) for r in reasons]  # fmt: skip
    assert rows == [
        ("indifference", 1, 0, 1, 20.0, 68.0),
        ("cheaper elsewhere", 1, 0, 1, 20.0, 9.0),
        ("competitor", 0, 1, 1, 20.0, 4.0),
        ("not recorded", 1, 0, 1, 20.0, None),
        ("price", 0, 1, 1, 20.0, None),
        ("complaint badly handled", 0, 0, 0, 0.0, 10.0),
        ("friends", 0, 0, 0, 0.0, 5.0),
        ("moved", 0, 0, 0, 0.0, 3.0),
        ("died", 0, 0, 0, 0.0, 1.0),
    ]


async def test_the_csv_in_long_form(app: FastAPI, client: httpx.AsyncClient) -> None:
    await small_history(app)

    by_format = await client.get("/v1/reports/churn?period=2026-Q1&periods=2&format=csv")
    by_accept = await client.get(
        "/v1/reports/churn?period=2026-Q1&periods=2", headers={"Accept": "text/csv"}
    )

    assert by_format.status_code == 200
    assert by_format.headers["content-type"] == "text/csv; charset=utf-8"
    assert "Accept" in by_format.headers["vary"]
    assert 'filename="churn-2026-Q1.csv"' in by_format.headers["content-disposition"]
    assert by_accept.text == by_format.text
    rows = list(csv.reader(io.StringIO(by_format.text)))
    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert ["churn", "period", "2025-Q4", "churn_rate_percent", "20.0"] in rows
    assert ["churn", "period", "2026-Q1", "lost", "2"] in rows
    assert ["reasons", "reason", "indifference", "reference_percent", "68.0"] in rows
    assert ["reasons", "reason", "price", "reference_percent", ""] in rows
    assert len(rows) == 1 + 2 * 6 + 9 * 5


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "2026-W54", "last quarter", "2026"])
async def test_a_bad_period_is_a_422_problem(client: httpx.AsyncClient, period: str) -> None:
    response = await client.get("/v1/reports/churn", params={"period": period})

    problem = assert_problem(response, 422, contains="period")
    assert problem["errors"][0]["location"] == "query.period"
