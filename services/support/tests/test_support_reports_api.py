"""GET /v1/reports/complaints: a week's or a month's complaint statistics, JSON or CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from crm_shared.testing import app_client, assert_problem
from fastapi import FastAPI

from services.support.tests.support_builders import (
    report_crisis,
    report_insert,
    report_recovery,
    report_step,
    report_survey,
    report_target,
    report_ticket,
)

DAY = datetime(2026, 12, 1, 9, tzinfo=UTC)  # a Tuesday of ISO week 2026-W49
HOUR = timedelta(hours=1)
PATH = "/v1/reports/complaints"
WEEK = {"period": "2026-W49"}


async def _a_week_of_tickets(app: FastAPI) -> None:
    """Three complaints and an inquiry in 2026-W49; a complaint the week after."""
    quick = report_ticket(
        DAY, category="billing", channel="phone", department="sales", owner="a1", major=True,
        first_contact_at=DAY + HOUR, resolved_at=DAY + 24 * HOUR,
    )  # fmt: skip
    slow = report_ticket(
        DAY + HOUR, category="billing", channel="email", department="sales", owner="a1",
        was_grievance=True, reopened=1, first_contact_at=DAY + 4 * HOUR,
        resolved_at=DAY + HOUR + 72 * HOUR,
    )  # fmt: skip
    waiting = report_ticket(DAY + 2 * HOUR, category="delivery", channel="phone", owner="a2")
    inquiry = report_ticket(
        DAY, kind="inquiry", category="other", channel="web", department="sales", owner="a2",
        resolved_at=DAY + timedelta(minutes=10),
    )  # fmt: skip
    next_week = report_ticket(DAY + timedelta(days=7), category="billing", owner="a1")
    await report_insert(
        app,
        quick, slow, waiting, inquiry, next_week,
        report_step(quick, "acknowledged", DAY + HOUR),
        report_step(quick, "resolved", DAY + 24 * HOUR),
        report_step(slow, "investigating", DAY + 5 * HOUR),
        report_step(slow, "resolved", DAY + 73 * HOUR),
        report_step(inquiry, "resolved", DAY + timedelta(minutes=10)),
        report_target(quick, "first_contact", "met"),
        report_target(quick, "proposal", "met"),
        report_target(slow, "first_contact", "breached"),
        report_target(slow, "proposal", "breached"),
        report_target(waiting, "first_contact", "running"),
        report_target(next_week, "first_contact", "breached"),
        report_recovery(quick, "10.00"),
        report_recovery(quick, "5.50"),
        report_recovery(slow, "20.00", "USD", "refund"),
        report_recovery(next_week, "99.00"),  # recorded the week after
        report_survey(quick, {"attitude": (5, 4), "speed": (2, 4), "clarity": (4, None)}),
        report_survey(slow, {"attitude": (3, 4), "speed": (2, None)}),
        report_crisis("cause:billing", DAY + 24 * HOUR),
        report_crisis("product:kettle", DAY + timedelta(days=9)),
    )  # fmt: skip


def counts(rows: list[dict[str, Any]]) -> dict[str | None, int]:
    return {row["key"]: row["count"] for row in rows}


async def test_a_weeks_complaint_statistics(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await _a_week_of_tickets(support_app)
    response = await support_client.get(PATH, params=WEEK)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["period"] == {
        "label": "2026-W49",
        "start": "2026-11-30T00:00:00Z",
        "end": "2026-12-07T00:00:00Z",
        "tz": "UTC",
    }
    assert (report["kind"], report["department"]) == ("complaint", None)
    assert (report["tickets"], report["major"], report["grievances_became_complaints"]) == (3, 1, 1)
    assert counts(report["by_category"]) == {"billing": 2, "delivery": 1}
    assert counts(report["by_channel"]) == {"email": 1, "phone": 2}
    assert report["by_department"] == [{"key": "sales", "count": 2}, {"key": None, "count": 1}]
    assert report["by_owner"] == [
        {"owner": "a1", "tickets": 2, "reopened": 1, "rework_rate": 0.5},
        {"owner": "a2", "tickets": 1, "reopened": 0, "rework_rate": 0.0},
    ]
    first = {"count": 2, "median_seconds": 3600.0, "p90_seconds": 10800.0}
    assert report["time_to_first_contact"] == {"overall": first, "by_category": {"billing": first}}
    resolution = {"count": 2, "median_seconds": 86400.0, "p90_seconds": 259200.0}
    assert report["time_to_resolution"] == {
        "overall": resolution,
        "by_category": {"billing": resolution},
    }
    assert report["first_contact_resolution"] == {
        "resolved": 2,
        "without_investigation": 1,
        "rate": 0.5,
    }
    assert report["targets"] == [
        {"target": "first_contact", "met": 1, "breached": 1, "open": 1, "cancelled": 0},
        {"target": "proposal", "met": 1, "breached": 1, "open": 0, "cancelled": 0},
    ]
    assert report["compensation"] == {
        "by_kind": [
            {"currency": "EUR", "kind": "voucher", "count": 2, "cost": "15.50"},
            {"currency": "USD", "kind": "refund", "count": 1, "cost": "20.00"},
        ],
        "totals": [
            {"currency": "EUR", "count": 2, "cost": "15.50"},
            {"currency": "USD", "count": 1, "cost": "20.00"},
        ],
    }
    [sales] = report["surveys"]
    assert (sales["department"], sales["strongest"], sales["weakest"]) == (
        "sales",
        "attitude",  # 4.0, as clarity: a tie goes by name
        "speed",
    )
    items = {item["item"]: item for item in sales["items"]}
    assert items["attitude"] == {
        "item": "attitude",
        "answers": 2,
        "mean_score": 4.0,
        "satisfaction_answers": 2,
        "mean_satisfaction": 1.0,  # (5/4 + 3/4) / 2
    }
    assert items["speed"]["mean_satisfaction"] == 0.5  # only the answer that gave expected
    assert items["clarity"]["mean_satisfaction"] is None
    assert [alert["about"] for alert in report["crisis_alerts"]] == ["cause:billing"]


async def test_every_kind_and_one_department(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await _a_week_of_tickets(support_app)
    every = (await support_client.get(PATH, params={**WEEK, "kind": "all"})).json()
    assert every["tickets"] == 4
    assert counts(every["by_category"])["other"] == 1
    assert every["first_contact_resolution"]["resolved"] == 3
    inquiries = (await support_client.get(PATH, params={**WEEK, "kind": "inquiry"})).json()
    assert inquiries["tickets"] == 1
    assert inquiries["compensation"]["by_kind"] == []
    sales = (await support_client.get(PATH, params={**WEEK, "department": "sales"})).json()
    assert sales["tickets"] == 2
    assert counts(sales["by_department"]) == {"sales": 2}
    month = (await support_client.get(PATH, params={"period": "2026-12"})).json()
    assert month["tickets"] == 4  # the week after is in December too


async def test_the_period_is_bounded_in_the_time_zone_asked_for(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin: in W49 there, in W48 in UTC.
    await report_insert(support_app, report_ticket(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)))
    assert (await support_client.get(PATH, params=WEEK)).json()["tickets"] == 0
    berlin = (await support_client.get(PATH, params={**WEEK, "tz": "Europe/Berlin"})).json()
    assert berlin["tickets"] == 1
    assert berlin["period"]["start"] == "2026-11-29T23:00:00Z"


async def test_csv_by_parameter_or_by_accept(
    support_app: FastAPI, support_client: httpx.AsyncClient
) -> None:
    await _a_week_of_tickets(support_app)
    by_parameter = await support_client.get(PATH, params={**WEEK, "format": "csv"})
    by_accept = await support_client.get(PATH, params=WEEK, headers={"Accept": "text/csv"})
    for response in (by_parameter, by_accept):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert "complaints-2026-W49.csv" in response.headers["content-disposition"]
        assert "Accept" in response.headers["vary"]
    assert by_parameter.text == by_accept.text
    rows = list(csv.reader(io.StringIO(by_parameter.text)))
    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert ["tickets", "", "", "count", "3"] in rows
    assert ["tickets", "category", "billing", "count", "2"] in rows
    assert ["tickets", "department", "", "count", "1"] in rows  # no department
    assert ["time_to_resolution", "category", "billing", "p90_seconds", "259200.0"] in rows
    assert ["compensation", "currency", "EUR", "cost", "15.50"] in rows
    assert ["surveys", "department", "sales", "weakest", "speed"] in rows
    assert ["rework", "owner", "a1", "rework_rate", "0.5"] in rows
    # The parameter wins over Accept; JSON is the default.
    as_json = await support_client.get(
        PATH, params={**WEEK, "format": "json"}, headers={"Accept": "text/csv"}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    assert (
        (await support_client.get(PATH, params=WEEK))
        .headers["content-type"]
        .startswith("application/json")
    )


async def test_a_bad_period_or_time_zone_is_422_naming_the_forms(
    support_client: httpx.AsyncClient,
) -> None:
    for period in ("2026-W54", "2026-13", "last week"):
        response = await support_client.get(PATH, params={"period": period})
        body = assert_problem(response, 422, contains="2026-W49")
        assert "2026-12" in body["detail"]
    response = await support_client.get(PATH, params={**WEEK, "tz": "Mars/Olympus"})
    assert_problem(response, 422, contains="time zone")
    assert_problem(await support_client.get(PATH), 422)
    assert_problem(await support_client.get(PATH, params={**WEEK, "kind": "grudge"}), 422)


async def test_support_and_analysts_read_it_sales_does_not(support_app: FastAPI) -> None:
    for role, status in (("support", 200), ("analyst", 200), ("sales", 403), ("marketing", 403)):
        async with app_client(support_app, "http://support", role=role) as client:
            assert (await client.get(PATH, params=WEEK)).status_code == status, role


async def test_the_openapi_declares_json_and_csv(support_client: httpx.AsyncClient) -> None:
    document = (await support_client.get("/openapi.json")).json()
    operation = document["paths"]["/v1/reports/complaints"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert content["application/json"]["schema"]["$ref"].endswith("/ComplaintReport")
    assert "422" in operation["responses"]
    assert {p["name"] for p in operation["parameters"]} >= {"period", "kind", "department", "tz",
                                                            "format"}  # fmt: skip
