"""GET /v1/reports/csi: C = score / expected, the CSI per department and item, the expected
retention by score, all checked by hand; the survey's department as projected from the
event; the CSV and period validation."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import uid
from crm_shared.testing.problems import assert_problem
from crm_shared.testing.support_fact_events import survey_answered, ticket
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import deliver_run
from services.analytics.tests.churn_history import History

NOW = datetime(2026, 4, 15, tzinfo=UTC)
MEASURES = ("answers", "mean_score", "answers_with_expectation", "mean_satisfaction",
            "exceeded_percent", "met_percent", "dissatisfied_percent",
            "expected_retention_low_percent", "expected_retention_high_percent")  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return FakeClock(NOW)


def measured(figures: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(figures[key] for key in MEASURES)


async def march_surveys(app: FastAPI) -> None:
    history = History()
    history.survey("c1", datetime(2026, 3, 5, tzinfo=UTC), [("speed", 5, 4), ("care", 3, 3)])
    history.survey("c2", datetime(2026, 3, 20, tzinfo=UTC), [("speed", 2, 4), ("care", 4, None)])
    history.survey("c3", datetime(2026, 3, 10, tzinfo=UTC), [("advice", 1, 2)], "sales")
    history.survey("c4", datetime(2026, 3, 31, 23, 59, tzinfo=UTC), [("speed", 4, 4)], None)
    history.survey("c1", datetime(2026, 4, 1, tzinfo=UTC), [("speed", 1, 5)])  # April
    history.survey("c2", datetime(2026, 2, 28, tzinfo=UTC), [("speed", 1, 5)])  # February
    await history.write(app)


async def test_csi_per_department_and_item_by_hand(app: FastAPI, client: httpx.AsyncClient) -> None:
    await march_surveys(app)

    response = await client.get("/v1/reports/csi", params={"period": "2026-03"})

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"]["label"] == "2026-03"
    # C: 1.25, 1, 0.5, (none), 0.5, 1; retention of scores 5, 3, 2, 4, 1, 4.
    assert measured(report["overall"]) == (6, 3.1667, 5, 0.85, 20.0, 40.0, 40.0, 54.5, 59.5)
    departments = {d["department"]: d for d in report["departments"]}
    assert [d["department"] for d in report["departments"]] == ["sales", "service", None]
    service = departments["service"]
    assert measured(service) == (4, 3.5, 3, 0.9167, 33.3333, 33.3333, 33.3333, 61.75, 66.75)
    items = {item["item"]: item for item in service["items"]}
    assert list(items) == ["care", "speed"]
    assert measured(items["care"]) == (2, 3.5, 1, 1.0, 0.0, 100.0, 0.0, 70.0, 75.0)
    assert measured(items["speed"]) == (2, 3.5, 2, 0.875, 50.0, 0.0, 50.0, 53.5, 58.5)
    assert measured(departments["sales"]) == (1, 1.0, 1, 0.5, 0.0, 0.0, 100.0, 0.0, 5.0)
    assert measured(departments[None]) == (1, 4.0, 1, 1.0, 0.0, 100.0, 0.0, 80.0, 85.0)
    assert report["retention_by_score"][0] == {"score": 5, "low_percent": 92.0,
                                               "high_percent": 97.0}  # fmt: skip
    assert [r["score"] for r in report["retention_by_score"]] == [5, 4, 3, 2, 1]


async def test_one_department_and_an_empty_period(app: FastAPI, client: httpx.AsyncClient) -> None:
    await march_surveys(app)

    sales = (await client.get("/v1/reports/csi?period=2026-03&department=sales")).json()
    empty = (await client.get("/v1/reports/csi?period=2026-W02")).json()

    assert sales["department"] == "sales"
    assert [d["department"] for d in sales["departments"]] == ["sales"]
    assert measured(sales["overall"]) == (1, 1.0, 1, 0.5, 0.0, 0.0, 100.0, 0.0, 5.0)
    assert measured(empty["overall"]) == (0, None, 0, None, None, None, None, None, None)
    assert empty["departments"] == []


async def test_the_department_travels_from_the_survey_event(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    answered = survey_answered(
        "s-1", ticket("t-1", uid("c1")), {"speed": (4, 5)}, datetime(2026, 3, 2, tzinfo=UTC)
    ).model_copy(update={"department": "billing"})
    await deliver_run(app, [answered], NOW)

    report = (await client.get("/v1/reports/csi?period=2026-Q1")).json()

    assert [d["department"] for d in report["departments"]] == ["billing"]
    assert measured(report["overall"])[:7] == (1, 4.0, 1, 0.8, 0.0, 0.0, 100.0)


async def test_the_csv_in_long_form(app: FastAPI, client: httpx.AsyncClient) -> None:
    await march_surveys(app)

    response = await client.get("/v1/reports/csi?period=2026-03", headers={"Accept": "text/csv"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="csi-2026-03.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert ["csi", "", "", "mean_satisfaction", "0.85"] in rows
    assert ["csi", "department", "-", "answers", "1"] in rows
    assert ["csi", "department_item", "service/speed", "dissatisfied_percent", "50.0"] in rows
    assert ["csi", "department_item", "service/care", "met_percent", "100.0"] in rows
    assert ["retention", "score", "2", "high_percent", "20.0"] in rows
    # overall, 3 departments and 4 items, 9 figures each; 5 scores, 2 bounds each
    assert len(rows) == 1 + (1 + 3 + 4) * 9 + 5 * 2


@pytest.mark.parametrize("period", ["2026-00", "2026-Q0", "March", ""])
async def test_a_bad_period_is_a_422_problem(client: httpx.AsyncClient, period: str) -> None:
    response = await client.get("/v1/reports/csi", params={"period": period})

    assert_problem(response, 422)
