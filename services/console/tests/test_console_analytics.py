"""The analytics pages: each chart's option built from the analytics service's report answers
(shaped as its OpenAPI gives them), a fresh system's empty reports, the period filters, and
the CSV downloads passed through with the person's token."""

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html import unescape
from typing import Any

import httpx
import pytest
from crm_console.pages import analytics_views as views
from crm_shared.clock import FakeClock

from services.console.tests.console_fakes import FakeServices

RUN = {"sequence": 7, "as_of": "2026-12-05T02:30:00Z", "customers": 40}


def period(label: str, start: str, end: str) -> dict[str, str]:
    return {"label": label, "start": start, "end": end}


def rfm_report(cells: dict[tuple[int, int], tuple[int, str | None, dict[str, int]]]) -> Any:
    """All 25 cells, R then F ascending, as ``/v1/reports/rfm`` gives them."""
    grid = []
    for r in range(1, 6):
        for f in range(1, 6):
            customers, mean, segments = cells.get((r, f), (0, None, {}))
            grid.append(
                {
                    "r": r,
                    "f": f,
                    "customers": customers,
                    "mean_monetary": mean,
                    "segments": segments,
                }
            )
    total = sum(c for c, _, _ in cells.values())
    return {
        "run": RUN if total else None,
        "customers": total,
        "grid": grid,
        "segments": [
            {
                "segment": "champions",
                "customers": 12,
                "customers_share": 0.3,
                "monetary_total": "5040.00",
                "mean_monetary": "420.00",
            },
            {
                "segment": "cant_lose",
                "customers": 3,
                "customers_share": 0.075,
                "monetary_total": "900.00",
                "mean_monetary": "300.00",
            },
        ]
        if total
        else [],
        "edges": {"recency": [10, 30, 60, 120]} if total else None,
    }


RFM = rfm_report(
    {
        (5, 5): (12, "420.00", {"champions": 12}),
        (2, 5): (3, "300.00", {"cant_lose": 3}),
        (1, 1): (25, "35.50", {"lost": 25}),
    }
)
EMPTY_RFM = rfm_report({})

ABC = {
    "run": RUN,
    "customers": 20,
    "value": "10000.00",
    "classes": [
        {
            "abc_class": "A",
            "customers": 3,
            "customers_share": 0.15,
            "value": "7000.00",
            "value_share": 0.7,
        },
        {
            "abc_class": "B",
            "customers": 5,
            "customers_share": 0.25,
            "value": "2000.00",
            "value_share": 0.2,
        },
        {
            "abc_class": "C",
            "customers": 12,
            "customers_share": 0.6,
            "value": "1000.00",
            "value_share": 0.1,
        },
    ],
    "pareto": [
        {"customers_share": 0.0, "value_share": 0.0},
        {"customers_share": 0.15, "value_share": 0.7},
        {"customers_share": 0.4, "value_share": 0.9},
        {"customers_share": 1.0, "value_share": 1.0},
    ],
    "thresholds": {"A": "1500.00", "B": "300.00"},
}
EMPTY_ABC = {
    "run": None,
    "customers": 0,
    "value": "0.00",
    "classes": [],
    "pareto": [],
    "thresholds": None,
}


def figures(label: str, at_start: int, lost: int, new: int, rate: float | None) -> Any:
    return {
        "period": period(label, f"{label}-01T00:00:00Z", f"{label}-28T00:00:00Z"),
        "customers_at_start": at_start,
        "lost": lost,
        "active_at_end": at_start - lost + new,
        "new_customers": new,
        "churn_rate_percent": rate,
        "retention_rate_percent": None if rate is None else 100 - rate,
    }


def churn_report(series: list[Any], reasons: list[Any] | None = None) -> Any:
    return {
        **series[-1],
        "active_window_days": 365,
        "series": series,
        "reasons": reasons or [],
    }


CHURN = churn_report(
    [
        figures("2026-09", 0, 0, 4, None),
        figures("2026-10", 4, 1, 2, 25.0),
        figures("2026-11", 5, 0, 1, 0.0),
    ],
    [
        {
            "reason": "indifference",
            "lifecycle": 1,
            "opportunities": 0,
            "total": 1,
            "share_percent": 100.0,
            "reference_percent": 68.0,
        }
    ],
)
EMPTY_CHURN = churn_report([figures("2026-10", 0, 0, 0, None), figures("2026-11", 0, 0, 0, None)])


def csi_figures(answers: int, score: float | None, c: float | None) -> dict[str, Any]:
    return {
        "answers": answers,
        "mean_score": score,
        "answers_with_expectation": answers,
        "mean_satisfaction": c,
        "exceeded_percent": None if c is None else 50.0,
        "met_percent": None if c is None else 25.0,
        "dissatisfied_percent": None if c is None else 25.0,
        "expected_retention_low_percent": None if score is None else 70.0,
        "expected_retention_high_percent": None if score is None else 75.0,
    }


CSI = {
    "period": period("2026-12", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    "department": None,
    "overall": csi_figures(4, 3.75, 1.05),
    "departments": [
        {
            **csi_figures(3, 4.0, 1.2),
            "department": "service",
            "items": [
                {**csi_figures(2, 4.5, 1.3), "item": "overall"},
                {**csi_figures(1, 3.0, 0.75), "item": "speed"},
            ],
        },
        {
            **csi_figures(1, 3.0, 0.6),
            "department": None,
            "items": [{**csi_figures(1, 3.0, 0.6), "item": "overall"}],
        },
    ],
    "retention_by_score": [{"score": 5, "low_percent": 92.0, "high_percent": 97.0}],
}
EMPTY_CSI = {**CSI, "overall": csi_figures(0, None, None), "departments": []}

CUSTOMER = "3f2c1a9e-0000-4000-8000-000000000001"
AT_RISK = {
    "levels": {"high": 1, "medium": 2, "low": 30},
    "reasons": [{"code": "inactive", "customers": 3}, {"code": "spend_falling", "customers": 1}],
    "customers": [
        {
            "customer_id": CUSTOMER,
            "churn_level": "high",
            "churn_score": 0.72,
            "reasons": [
                {
                    "code": "inactive",
                    "weight": 0.4,
                    "detail": "no purchase for 212 days, 7.1x the usual 30-day gap",
                },
                {
                    "code": "spend_falling",
                    "weight": 0.15,
                    "detail": "spend fell to 0.00 from 90.00",
                },
            ],
            "recency_days": 212,
            "window_value": "180.00",
            "value_class": "B",
        }
    ],
}
EMPTY_AT_RISK: dict[str, Any] = {"levels": {}, "reasons": [], "customers": []}


def serve(
    services: FakeServices,
    rfm: Any = RFM,
    abc: Any = ABC,
    churn: Any = CHURN,
    csi: Any = CSI,
    at_risk: Any = AT_RISK,
) -> None:
    for name, body in (
        ("rfm", rfm),
        ("abc", abc),
        ("churn", churn),
        ("csi", csi),
        ("at-risk", at_risk),
    ):
        services.on("GET", "analytics", f"/v1/reports/{name}", body)


def chart_options(html: str) -> dict[str, dict[str, Any]]:
    """Each drawn chart's ECharts option, by the chart element's id."""
    found = re.findall(r'<div id="([^"]+)" class="chart"[^>]*data-chart=\'([^\']*)\'', html)
    return {chart_id: json.loads(unescape(option)) for chart_id, option in found}


# --- the options, from canned answers --------------------------------------------------------


def test_the_rfm_heat_map_puts_each_cells_customers_at_frequency_x_recency() -> None:
    chart = views.rfm_heatmap(RFM)

    [series] = chart.option["series"]
    assert series["type"] == "heatmap"
    cells = {(x, y): (count, mean) for x, y, count, mean in (d["value"] for d in series["data"])}
    assert series["data"][-1]["name"] == "Recency 5, frequency 5"
    assert len(cells) == 25
    assert cells[(4, 4)] == (12, 420.0)  # F 5, R 5: the champions
    assert cells[(4, 1)] == (3, 300.0)  # F 5, R 2
    assert cells[(0, 0)] == (25, 35.5)
    assert cells[(2, 2)] == (0, None)
    assert chart.option["xAxis"]["data"] == ["1", "2", "3", "4", "5"]
    assert chart.option["visualMap"]["max"] == 25
    assert series["encode"]["tooltip"] == [2, 3]  # customers and mean monetary on hover
    assert chart.rows[0] == [5, 1, 0, "", ""]  # the table: R 5 first
    assert [5, 5, 12, "420.00", "Champions 12"] in chart.rows
    assert chart.csv_href == "/analytics/reports/rfm.csv"
    assert chart.empty is None


def test_the_pareto_curve_in_percent_with_the_class_boundaries_marked() -> None:
    chart = views.abc_pareto(ABC)

    [series] = chart.option["series"]
    assert series["data"] == [[0.0, 0.0], [15.0, 70.0], [40.0, 90.0], [100.0, 100.0]]
    boundaries = series["markLine"]["data"]
    assert [(b["xAxis"], b["name"]) for b in boundaries] == [(15.0, "A | B"), (40.0, "B | C")]
    spans = [(a["name"], a["xAxis"], b["xAxis"]) for a, b in series["markArea"]["data"]]
    assert spans == [("A", 0.0, 15.0), ("B", 15.0, 40.0), ("C", 40.0, 100.0)]
    classes = views.abc_classes(ABC)
    assert classes[0] == {
        "name": "A",
        "customers": 3,
        "customers_share": "15.0 %",
        "value": "7,000.00",
        "value_share": "70.0 %",
        "threshold": "1,500.00",
    }


def test_the_churn_line_follows_the_series_and_leaves_unmeasurable_periods_out() -> None:
    chart = views.churn_line(CHURN)

    option = chart.option["baseOption"]  # with a narrower layout for a phone
    assert chart.option["media"][0]["query"] == {"maxWidth": 500}
    assert option["xAxis"]["data"] == ["2026-09", "2026-10", "2026-11"]
    line = next(s for s in option["series"] if s["type"] == "line")
    assert line["data"] == [None, 25.0, 0.0]
    lost = next(s for s in option["series"] if s["name"] == "Lost customers")
    assert lost["data"] == [0, 1, 0]
    assert chart.rows[1] == ["2026-10", 4, 1, 2, 5, "25.0 %"]
    assert chart.csv_href == "/analytics/reports/churn.csv?period=2026-11&periods=3"


def test_csi_bars_by_department_and_by_item_mark_the_expectation() -> None:
    href = views.csv_href("csi", period="2026-12")
    by_department = views.csi_by_department(CSI, href)
    by_item = views.csi_by_item(CSI, href)

    assert by_department.option["yAxis"]["data"] == ["service", "No department"]
    [bars] = by_department.option["series"]
    assert [bar["value"] for bar in bars["data"]] == [1.2, 0.6]
    assert [bar["itemStyle"]["color"] for bar in bars["data"]] == [views.OK, views.BAD]
    assert bars["markLine"]["data"] == [{"xAxis": 1}]
    assert by_item.option["yAxis"]["data"] == [
        "service: overall",
        "service: speed",
        "No department: overall",
    ]
    assert by_item.rows[1] == ["service: speed", 1, "3.00", "0.75", "50.0 %", "25.0 %", "25.0 %"]


def test_period_choices_are_the_services_forms_newest_first() -> None:
    groups = views.period_groups(date(2026, 12, 6), chosen="2025-W05")

    assert groups[0].choices[0].value == "2025-W05"  # asked for, kept
    months, quarters, weeks = groups[1:]
    assert [c.value for c in months.choices[:3]] == ["2026-12", "2026-11", "2026-10"]
    assert months.choices[0].label == "December 2026"
    assert [c.value for c in quarters.choices[:3]] == ["2026-Q4", "2026-Q3", "2026-Q2"]
    assert weeks.choices[0].value == "2026-W49"
    assert views.last_complete_month(date(2026, 1, 15)) == "2025-12"


# --- the pages ------------------------------------------------------------------------------


async def test_the_overview_asks_for_every_report_at_once_with_the_persons_token(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    token = sign_in("analyst")
    serve(services)

    response = await console.get("/analytics")

    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1>Analytics overview</h1>" in html
    assert "/static/vendor/echarts.min.js" in html
    assert "churn-rate" in chart_options(html)
    assert f'href="/customers/{CUSTOMER}"' in html
    assert "no purchase for 212 days" in html
    calls = {call.path: call for call in services.calls if call.service == "analytics"}
    assert set(calls) == {f"/v1/reports/{n}" for n in ("rfm", "abc", "churn", "csi", "at-risk")}
    assert all(call.headers["authorization"] == f"Bearer {token}" for call in calls.values())
    assert calls["/v1/reports/churn"].params["periods"] == "12"
    assert re.fullmatch(r"\d{4}-\d{2}", calls["/v1/reports/churn"].params["period"])


async def test_a_fresh_system_shows_no_orders_yet_instead_of_empty_charts(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services, EMPTY_RFM, EMPTY_ABC, EMPTY_CHURN, EMPTY_CSI, EMPTY_AT_RISK)

    pages = {
        path: await console.get(path)
        for path in (
            "/analytics",
            "/analytics/rfm",
            "/analytics/abc",
            "/analytics/churn",
            "/analytics/at-risk",
            "/analytics/csi",
        )
    }

    for path, response in pages.items():
        assert response.status_code == 200, (path, response.text)
        assert chart_options(response.text) == {}, path
    assert "No orders yet" in pages["/analytics"].text
    assert "No orders yet: nobody has RFM scores." in pages["/analytics/rfm"].text
    assert "No orders yet: no customer has value to rank." in pages["/analytics/abc"].text
    assert "No orders yet: nobody was an active customer" in pages["/analytics/churn"].text
    assert "Nobody is at medium or high risk" in pages["/analytics/at-risk"].text
    assert "No survey answers in this period." in pages["/analytics/csi"].text


@pytest.mark.parametrize(
    ("path", "charts"),
    [
        ("/analytics/rfm", {"rfm-grid"}),
        ("/analytics/abc", {"abc-pareto"}),
        ("/analytics/churn?period=2026-11&periods=3", {"churn-rate"}),
        ("/analytics/at-risk", {"risk-reasons"}),
        ("/analytics/csi?period=2026-12", {"csi-departments", "csi-items"}),
    ],
)
async def test_each_report_page_draws_its_charts_with_a_csv_link(
    console: httpx.AsyncClient,
    services: FakeServices,
    sign_in: Callable[..., str],
    path: str,
    charts: set[str],
) -> None:
    sign_in("analyst")
    serve(services)

    response = await console.get(path)

    assert response.status_code == 200, response.text
    assert set(chart_options(response.text)) == charts
    assert 'class="csv-link" href="/analytics/reports/' in response.text
    assert response.text.count("<h1>") == 1
    assert 'aria-current="page"' in response.text


async def test_the_churn_filter_asks_for_the_period_and_series_and_answers_a_fragment(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services)

    response = await console.get(
        "/analytics/churn",
        params={"period": "2026-Q3", "periods": 6},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "<h1>" not in response.text  # only the report, for the form's target
    assert "churn-rate" in chart_options(response.text)
    [call] = [c for c in services.calls if c.path == "/v1/reports/churn"]
    assert call.params == {"period": "2026-Q3", "periods": "6"}


async def test_a_period_the_service_refuses_is_shown_beside_the_form(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    services.on(
        "GET",
        "analytics",
        "/v1/reports/csi",
        {
            "type": "https://crm.example.com/problems/invalid-period",
            "title": "Invalid",
            "status": 422,
            "detail": "period: expected 2026-W05, 2026-03 or 2026-Q1",
        },
        status=422,
    )

    response = await console.get("/analytics/csi", params={"period": "2026-13"})

    assert response.status_code == 200
    assert "expected 2026-W05, 2026-03 or 2026-Q1" in response.text
    assert '<label for="f-period">' in response.text


async def test_the_at_risk_list_asks_for_a_page_of_customers(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services)

    response = await console.get("/analytics/at-risk", params={"limit": 50})

    assert response.status_code == 200
    [call] = [c for c in services.calls if c.path == "/v1/reports/at-risk"]
    assert call.params == {"limit": "50"}
    assert "No purchase for longer than usual" in response.text
    assert "spend fell to 0.00 from 90.00" in response.text
    assert '<span class="badge bad">high</span>' in response.text


async def test_the_default_periods_follow_the_consoles_clock(
    console: httpx.AsyncClient,
    services: FakeServices,
    sign_in: Callable[..., str],
    clock: FakeClock,
) -> None:
    sign_in("analyst")
    serve(services)
    clock.set(datetime(2027, 3, 2, 8, 0, tzinfo=UTC))

    await console.get("/analytics/churn")
    await console.get("/analytics/csi")

    asked = {c.path: c.params.get("period") for c in services.calls}
    assert asked["/v1/reports/churn"] == "2027-02"  # the last complete month
    assert asked["/v1/reports/csi"] == "2027-03"  # this month


async def test_the_at_risk_list_names_the_customers_the_person_may_read(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services)
    [first, *others] = [c["customer_id"] for c in AT_RISK["customers"]]
    services.on("GET", "customer", f"/v1/customers/{first}", {"id": first, "name": "Ada Byron"})

    response = await console.get("/analytics/at-risk")

    assert f'<a href="/customers/{first}">Ada Byron</a>' in response.text
    for other in others:  # not readable here (404): the id stands in
        assert f'<a href="/customers/{other}">Customer {other[:8]}</a>' in response.text


# --- the CSV downloads -----------------------------------------------------------------------

CSV = "section,dimension,key,metric,value\r\nchurn,period,2026-11,churn_rate_percent,0.0\r\n"


async def test_a_reports_csv_is_the_services_own_passed_through_as_a_download(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    token = sign_in("analyst")
    services.on(
        "GET",
        "analytics",
        "/v1/reports/churn",
        text=CSV,
        headers={"content-type": "text/csv; charset=utf-8"},
    )

    response = await console.get(
        "/analytics/reports/churn.csv", params={"period": "2026-11", "periods": 3}
    )

    assert response.status_code == 200
    assert response.text == CSV
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="churn-2026-11.csv"'
    assert response.headers["cache-control"] == "private, no-store"
    [call] = services.calls
    assert call.params == {"format": "csv", "period": "2026-11", "periods": "3"}
    assert call.headers["authorization"] == f"Bearer {token}"
    assert call.headers["accept"] == "text/csv"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/analytics/reports/rfm.csv?period=2026-11", {"format": "csv"}),
        ("/analytics/reports/abc.csv", {"format": "csv"}),
        ("/analytics/reports/at-risk.csv?limit=50", {"format": "csv", "limit": "50"}),
        (
            "/analytics/reports/csi.csv?period=2026-Q4&department=service",
            {"format": "csv", "period": "2026-Q4", "department": "service"},
        ),
    ],
)
async def test_each_csv_asks_for_only_what_its_report_takes(
    console: httpx.AsyncClient,
    services: FakeServices,
    sign_in: Callable[..., str],
    url: str,
    params: dict[str, str],
) -> None:
    sign_in("analyst")
    services.on("GET", "analytics", r"/v1/reports/.*", text="section,key,metric,value\r\n")

    response = await console.get(url)

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    [call] = services.calls
    assert call.params == params


async def test_an_unknown_report_or_a_malformed_period_is_refused_before_any_call(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")

    unknown = await console.get("/analytics/reports/payroll.csv")
    injected = await console.get('/analytics/reports/churn.csv?period=2026-11"%0d%0aX:1')

    assert unknown.status_code == 422
    assert injected.status_code == 422
    assert services.calls == []


async def test_a_role_without_analytics_read_may_not_see_the_pages(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("sales")

    page = await console.get("/analytics")
    download = await console.get("/analytics/reports/rfm.csv")

    assert page.status_code == 403
    assert download.status_code == 403
    assert services.calls == []


# --- rescore now ------------------------------------------------------------------------------


async def test_rescoring_now_is_analytics_full_run_and_the_overview_says_what_it_did(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    token = sign_in("analyst")
    serve(services)
    services.on(
        "POST",
        "analytics",
        "/v1/scores/run",
        {"sequence": 8, "kind": "full", "customers": 40, "changed": 3},
    )

    before = await console.get("/analytics")
    response = await console.post("/analytics/rescore")
    after = await console.get(response.headers["location"])

    assert 'action="/analytics/rescore"' in before.text
    assert response.status_code == 303
    assert response.headers["location"] == "/analytics?rescored=40&changed=3"
    [run] = services.writes("analytics")
    assert (run.path, run.body) == ("/v1/scores/run", {})
    assert run.headers["authorization"] == f"Bearer {token}"
    assert "Rescored 40 customers just now: 3 moved value class or churn level." in after.text


async def test_a_reader_without_analytics_manage_gets_no_rescore_button(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("marketing")  # reads analytics, does not manage it
    serve(services)

    page = await console.get("/analytics")
    refused = await console.post("/analytics/rescore")

    assert page.status_code == 200
    assert "/analytics/rescore" not in page.text
    assert refused.status_code == 403
    assert services.writes() == []


async def test_a_report_the_service_cannot_give_leaves_the_rest_of_the_overview(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services)
    services.on(
        "GET",
        "analytics",
        "/v1/reports/at-risk",
        {"title": "Service Unavailable", "status": 503, "detail": "the database is busy"},
        status=503,
    )

    response = await console.get("/analytics")

    assert response.status_code == 200
    assert "This report is not available right now: the database is busy" in response.text
    assert "churn-rate" in chart_options(response.text)


async def test_an_ended_session_on_any_report_sends_the_person_to_sign_in(
    console: httpx.AsyncClient, services: FakeServices, sign_in: Callable[..., str]
) -> None:
    sign_in("analyst")
    serve(services)
    services.on("GET", "analytics", "/v1/reports/csi", {"detail": "expired"}, status=401)

    response = await console.get("/analytics")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=%2Fanalytics")
