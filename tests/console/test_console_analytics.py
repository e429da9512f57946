"""The analytics pages in a real browser over the running system: customers and orders
created through the real APIs (backdated orders make a history: a loyal customer, one who
faded, one who is gone, a new one), a follow-up survey for the satisfaction report; once
analytics has scored them, an analyst sees every chart drawn, downloads a chart's CSV, and
the pages pass axe-core at desktop and phone widths."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Download, Page, expect

from tests.console.browser import PHONE, assert_accessible, screenshot, sign_in
from tests.e2e.launcher import Launcher
from tests.helpers import wait_for
from tests.integration.platform import unique_person

# Three hops (customer -> sales -> analytics) on a loaded 2-core machine.
PROPAGATION = 90.0
# Days before today of each customer's orders: the history the reports are drawn from.
HISTORIES = {
    "loyal": (70, 40, 10),
    "faded": (330, 300),  # stopped buying: high churn risk
    "gone": (420, 390),  # no purchase for over a year: lost from the active base
    "new": (0,),
}
COMPLAINT_STEPS = ("acknowledged", "investigating", "responsibility_determined",
                   "resolution_proposed", "accepted", "resolved")  # fmt: skip


async def _customer(admin: httpx.AsyncClient, system: Launcher, label: str) -> str:
    response = await admin.post(
        system.url("customer", "/v1/customers"), json=unique_person(label.capitalize())
    )
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def _known(admin: httpx.AsyncClient, system: Launcher, ids: list[str]) -> bool:
    for customer_id in ids:
        for service in ("sales", "support"):
            answer = await admin.get(system.url(service, f"/v1/customers/{customer_id}"))
            if answer.status_code != 200:
                return False
    return True


async def _order(
    admin: httpx.AsyncClient, system: Launcher, customer_id: str, days_ago: int, price: str
) -> None:
    ordered_at = datetime.now(UTC) - timedelta(days=days_ago, hours=1)
    response = await admin.post(
        system.url("sales", "/v1/orders"),
        json={
            "customer_id": customer_id,
            "ordered_at": ordered_at.isoformat(),
            "lines": [{"product": "Tent", "quantity": 1, "unit_price": price}],
        },
    )
    assert response.status_code == 201, response.text


async def _answered_survey(admin: httpx.AsyncClient, system: Launcher, customer_id: str) -> None:
    """A complaint taken to resolved, and its follow-up survey (C = 4 / 5 and 5 / 4)."""
    ticket = await admin.post(
        system.url("support", "/v1/tickets"),
        json={
            "customer_id": customer_id,
            "kind": "complaint",
            "category": "delivery",
            "channel": "phone",
            "description": "The parcel came late",
            "desired_resolution": "A call back",
            "received_by": "agent-1",
        },
    )
    assert ticket.status_code == 201, ticket.text
    path = f"/v1/tickets/{ticket.json()['id']}"
    for status in COMPLAINT_STEPS:
        moved = await admin.post(system.url("support", path + "/transitions"), json={"to": status})
        assert moved.status_code == 200, moved.text
    survey = await admin.post(
        system.url("support", path + "/survey"),
        json={
            "answers": [
                {"item": "overall", "score": 4, "expected": 5},
                {"item": "speed", "score": 5, "expected": 4},
            ]
        },
    )
    assert survey.status_code == 201, survey.text


@pytest.fixture(scope="module")
async def history(system: Launcher, admin: httpx.AsyncClient) -> dict[str, str]:
    """The customers (label -> id) once analytics has scored them all and counted the
    survey."""
    async with system.client("analyst"):  # creates the development user `analyst`
        pass
    ids = {label: await _customer(admin, system, label) for label in HISTORIES}
    await wait_for(
        lambda: _known(admin, system, list(ids.values())),
        timeout=PROPAGATION,
        interval=0.3,
        message="the customers in sales and support",
    )
    for label, days in HISTORIES.items():
        for days_ago in days:
            await _order(admin, system, ids[label], days_ago, "120.00")
    await _answered_survey(admin, system, ids["loyal"])

    async def scored() -> bool:
        for label, customer_id in ids.items():
            profile = await admin.get(system.url("analytics", f"/v1/profiles/{customer_id}"))
            if profile.status_code != 200:
                return False
            scores = profile.json().get("scores") or {}
            if (scores.get("rfm") or {}).get("frequency") != len(HISTORIES[label]):
                return False
        return True

    async def surveyed() -> bool:
        month = datetime.now(UTC).strftime("%Y-%m")
        report = await admin.get(system.url("analytics", f"/v1/reports/csi?period={month}"))
        return report.status_code == 200 and report.json()["overall"]["answers"] >= 2

    await wait_for(scored, timeout=PROPAGATION, interval=0.5, message="the customers' scores")
    await wait_for(surveyed, timeout=PROPAGATION, interval=0.5, message="the survey in analytics")
    return ids


async def _first_line(download: Download) -> str:
    text = await asyncio.to_thread((await download.path()).read_text, encoding="utf-8")
    return text.splitlines()[0]


async def _drawn(page: Page, *chart_ids: str) -> None:
    for chart_id in chart_ids:
        await expect(page.locator(f"#{chart_id} svg").first).to_be_visible()


async def test_an_analyst_sees_every_report_drawn_and_downloads_its_csv(
    page: Page, system: Launcher, admin: httpx.AsyncClient, history: dict[str, Any]
) -> None:
    faded = await admin.get(system.url("customer", f"/v1/customers/{history['faded']}"))
    faded_name = faded.json()["name"]  # the at-risk list names the customers an analyst reads
    await sign_in(page, system, "analyst", path="/analytics")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Analytics overview")
    await _drawn(page, "churn-rate")
    await expect(page.get_by_role("link", name=faded_name)).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "analytics-overview")

    subnav = page.get_by_role("navigation", name="Analytics reports")
    await subnav.get_by_role("link", name="RFM grid").click()
    await _drawn(page, "rfm-grid")
    await expect(page.get_by_role("heading", name="Named segments")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "analytics-rfm")
    async with page.expect_download() as downloading:
        await page.locator("#rfm-grid-title .csv-link").click()
    download = await downloading.value
    assert download.suggested_filename == "rfm.csv"
    assert await _first_line(download) == "section,key,metric,value"

    await subnav.get_by_role("link", name="ABC / Pareto").click()
    await _drawn(page, "abc-pareto")
    await assert_accessible(page)
    await screenshot(page, "analytics-abc")

    await subnav.get_by_role("link", name="Churn rate").click()
    await _drawn(page, "churn-rate")
    await page.get_by_label("Periods shown").select_option("24")
    await page.get_by_role("button", name="Show").click()
    await expect(page).to_have_url(re.compile(r"periods=24"))
    await _drawn(page, "churn-rate")
    await expect(page.locator("#churn-rate-title ~ details tbody tr")).to_have_count(24)
    await assert_accessible(page)
    await screenshot(page, "analytics-churn")
    async with page.expect_download() as downloading:
        await page.locator("#churn-rate-title .csv-link").click()
    download = await downloading.value
    assert await _first_line(download) == "section,dimension,key,metric,value"

    await subnav.get_by_role("link", name="At risk").click()
    await _drawn(page, "risk-reasons")
    faded_row = page.get_by_role("row").filter(has=page.get_by_text(faded_name))
    await expect(faded_row).to_contain_text("No purchase for longer than usual")
    await expect(faded_row.get_by_role("link")).to_have_attribute(
        "href", f"/customers/{history['faded']}"
    )
    await assert_accessible(page)
    await screenshot(page, "analytics-at-risk")

    await subnav.get_by_role("link", name="Satisfaction").click()
    await _drawn(page, "csi-departments", "csi-items")
    await assert_accessible(page)
    await screenshot(page, "analytics-csi")

    await subnav.get_by_role("link", name="Overview").click()
    await page.get_by_role("button", name="Rescore everyone now").click()
    await expect(page.locator("#flash")).to_contain_text(
        re.compile(r"Rescored [1-9][0-9]* customers just now")
    )
    await _drawn(page, "churn-rate")


async def test_the_overview_fits_a_phone(
    page: Page, system: Launcher, history: dict[str, Any]
) -> None:
    await page.set_viewport_size(PHONE)
    await sign_in(page, system, "analyst", path="/analytics")

    await _drawn(page, "churn-rate")
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    await assert_accessible(page)
    await screenshot(page, "analytics-overview-phone")
