"""The snapshot reports over the scores of the last run: the RFM grid and segments, ABC
and its Pareto curve, the best customers, who is about to leave; hand-checked numbers, and
the long CSV."""

import csv
import io

import httpx
import pytest
from fastapi import FastAPI

from services.analytics.tests.reports_data import score, store_scores

EDGES = {
    "recency": [10, 30, 90, 180],
    "frequency": [1, 2, 3, 5],
    "monetary": [50, 100, 200, 400],
    "abc": {"A": "600.00", "B": "300.00", "C": "0.00"},
}
INACTIVE = {"code": "inactive", "weight": 0.6, "detail": "no order for 3 rhythms"}
UNHAPPY = {"code": "low_satisfaction", "weight": 0.3, "detail": "survey mean 1.5"}


@pytest.fixture
async def scored(app: FastAPI) -> None:
    await store_scores(
        app,
        [
            score("c1", r=5, f=5, m=4, rfm_segment="champions", monetary_total="300",
                  window_value="600", abc_class="A", value_class="A", orders=7,
                  predicted_value=50.0),
            score("c2", r=5, f=5, m=2, rfm_segment="champions", monetary_total="100",
                  window_value="300", abc_class="B", value_class="B", orders=5,
                  churn_score=0.5, churn_level="medium", churn_reasons=[INACTIVE]),
            score("c3", r=1, f=1, m=1, rfm_segment="lost", monetary_total="50",
                  window_value="100", abc_class="C", value_class="C", orders=1,
                  predicted_value=900.0, recency_days=400, churn_score=0.9,
                  churn_level="high", churn_reasons=[INACTIVE, UNHAPPY]),
            score("c4", orders=0, recency_days=None, abc_class="C", value_class="C"),
        ],
        EDGES,
    )  # fmt: skip


async def get_json(client: httpx.AsyncClient, path: str, **params: object) -> dict:  # type: ignore[type-arg]
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_rfm_grid_counts_customers_and_means_per_cell(
    client: httpx.AsyncClient, scored: None
) -> None:
    report = await get_json(client, "/v1/reports/rfm")

    assert report["customers"] == 3  # c4 has no order: no R, no F
    assert (report["run"]["sequence"], report["run"]["customers"]) == (1, 4)
    grid = {(cell["r"], cell["f"]): cell for cell in report["grid"]}
    assert len(grid) == 25
    assert grid[(5, 5)] == {"r": 5, "f": 5, "customers": 2, "mean_monetary": "200.00",
                            "segments": {"champions": 2}}  # fmt: skip
    assert grid[(1, 1)]["customers"] == 1
    assert grid[(1, 1)]["mean_monetary"] == "50.00"
    assert grid[(3, 3)] == {"r": 3, "f": 3, "customers": 0, "mean_monetary": None,
                            "segments": {}}  # fmt: skip
    assert report["segments"] == [
        {"segment": "champions", "customers": 2, "customers_share": pytest.approx(2 / 3),
         "monetary_total": "400.00", "mean_monetary": "200.00"},
        {"segment": "lost", "customers": 1, "customers_share": pytest.approx(1 / 3),
         "monetary_total": "50.00", "mean_monetary": "50.00"},
    ]  # fmt: skip
    assert report["edges"] == {k: v for k, v in EDGES.items() if k != "abc"}


async def test_abc_shares_and_the_pareto_curve(client: httpx.AsyncClient, scored: None) -> None:
    report = await get_json(client, "/v1/reports/abc")

    assert report["customers"] == 4
    assert report["value"] == "1000.00"
    assert report["classes"] == [
        {"abc_class": "A", "customers": 1, "customers_share": 0.25, "value": "600.00",
         "value_share": 0.6},
        {"abc_class": "B", "customers": 1, "customers_share": 0.25, "value": "300.00",
         "value_share": 0.3},
        {"abc_class": "C", "customers": 2, "customers_share": 0.5, "value": "100.00",
         "value_share": 0.1},
    ]  # fmt: skip
    # Four customers: a point at each (every percentile falls on one of them).
    assert [(p["customers_share"], p["value_share"]) for p in report["pareto"]] == [
        (0.0, 0.0), (0.25, 0.6), (0.5, 0.9), (0.75, 1.0), (1.0, 1.0),
    ]  # fmt: skip
    assert report["thresholds"] == EDGES["abc"]


async def test_the_pareto_curve_has_a_point_a_percentile(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # 250 customers of values 250, 249, ..., 1: the first k customers hold the top k values.
    await store_scores(
        app, [score(f"k{n:03}", window_value=str(n), abc_class="C") for n in range(1, 251)]
    )
    total = sum(range(1, 251))

    pareto = (await get_json(client, "/v1/reports/abc"))["pareto"]

    assert len(pareto) == 101
    tenth = pareto[10]  # 10 % = the first 25 customers: 250 + ... + 226
    assert tenth["customers_share"] == 0.1
    assert tenth["value_share"] == pytest.approx(sum(range(226, 251)) / total)
    assert pareto[-1] == {"customers_share": 1.0, "value_share": 1.0}


async def test_no_scores_yet_gives_empty_reports(client: httpx.AsyncClient) -> None:
    rfm = await get_json(client, "/v1/reports/rfm")
    abc = await get_json(client, "/v1/reports/abc")

    assert (rfm["customers"], rfm["segments"], rfm["run"], rfm["edges"]) == (0, [], None, None)
    assert (abc["customers"], abc["value"], abc["pareto"], abc["thresholds"]) == (
        0, "0.00", [], None,
    )  # fmt: skip


async def test_best_customers_by_value_and_by_clv(client: httpx.AsyncClient, scored: None) -> None:
    by_value = await get_json(client, "/v1/reports/best-customers", limit=2)
    by_clv = await get_json(client, "/v1/reports/best-customers", by="clv", limit=3)

    assert [(c["rank"], c["customer_id"]) for c in by_value["customers"]] == [(1, "c1"), (2, "c2")]
    first = by_value["customers"][0]
    assert (first["window_value"], first["rfm_segment"], first["abc_class"], first["orders"]) == (
        "600.00", "champions", "A", 7,
    )  # fmt: skip
    # Those without a prediction come last.
    assert [c["customer_id"] for c in by_clv["customers"]] == ["c3", "c1", "c2"]


async def test_who_is_about_to_leave_and_why(client: httpx.AsyncClient, scored: None) -> None:
    report = await get_json(client, "/v1/reports/at-risk")

    assert report["levels"] == {"high": 1, "low": 2, "medium": 1}
    assert report["reasons"] == [
        {"code": "inactive", "customers": 2}, {"code": "low_satisfaction", "customers": 1},
    ]  # fmt: skip
    assert [(c["customer_id"], c["churn_level"]) for c in report["customers"]] == [
        ("c3", "high"), ("c2", "medium"),
    ]  # fmt: skip
    assert report["customers"][0]["reasons"] == [INACTIVE, UNHAPPY]


async def test_the_rfm_report_as_csv(client: httpx.AsyncClient, scored: None) -> None:
    response = await client.get("/v1/reports/rfm", headers={"Accept": "text/csv"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="rfm.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["grid", "5/5", "customers", "2"] in rows
    assert ["grid", "5/5", "segments.champions", "2"] in rows
    assert ["grid", "3/3", "mean_monetary", ""] in rows
    assert ["segments", "champions", "monetary_total", "400.00"] in rows
    assert ["report", "", "customers", "3"] in rows
    assert ["edges", "recency", "value", "[10, 30, 90, 180]"] in rows


async def test_format_json_wins_over_accept(client: httpx.AsyncClient, scored: None) -> None:
    response = await client.get(
        "/v1/reports/at-risk", params={"format": "json"}, headers={"Accept": "text/csv"}
    )

    assert response.headers["content-type"].startswith("application/json")
    assert "Accept" in response.headers["vary"]
