"""The marketing pages in a real browser over the whole running system: a segment built in
the builder, its size following each change of the filter, saved and opened with its
members; a launched A/B campaign's page with its funnel drawn."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.console.browser import PHONE, assert_accessible, screenshot, sign_in
from tests.e2e.launcher import Launcher
from tests.helpers import wait_for

PROPAGATION = 60.0  # master -> analytics -> marketing on a loaded 2-core machine


def daytime_zone() -> str:
    """An IANA zone where it is about noon now: marketing keeps e-mail out of the quiet hours
    of the customer's own zone, and the test must not wait for a morning."""
    offset = 12 - datetime.now(UTC).hour  # hours east of UTC; Etc/GMT's sign is inverted
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def create_customer(
    admin: httpx.AsyncClient, system: Launcher, label: str, tag: str, **fields: Any
) -> dict[str, Any]:
    token = uuid.uuid4().hex[:10]
    body = {
        "kind": "individual",
        "name": f"{label} Marketer {token}",
        "email": f"{label.lower()}.{token}@example.org",
        "tags": [tag],
        "geographic": {"time_zone": daytime_zone()},
        **fields,
    }
    response = await admin.post(system.url("customer", "/v1/customers"), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def grant_email(admin: httpx.AsyncClient, system: Launcher, customer_id: str) -> None:
    url = system.url("customer", f"/v1/customers/{customer_id}")
    current = await admin.get(url)
    response = await admin.put(
        f"{url}/consent/email",
        json={"granted": True, "source": "sign-up form"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200, response.text


async def wait_until_analytics_has(
    admin: httpx.AsyncClient, system: Launcher, tag: str, count: int
) -> None:
    audience = {"filter": {"field": "tags", "op": "contains", "value": tag}}

    async def known() -> bool:
        answer = await admin.post(system.url("analytics", "/v1/segments/preview"), json=audience)
        return bool(answer.status_code == 200 and answer.json()["size"] == count)

    await wait_for(known, timeout=PROPAGATION, message="analytics' profiles of the customers")


async def test_a_segment_is_built_with_a_live_size_saved_and_shows_its_members(
    page: Page, system: Launcher, admin: httpx.AsyncClient
) -> None:
    tag = f"builder-{uuid.uuid4().hex[:8]}"
    ann = await create_customer(admin, system, "Ann", tag, lifecycle_stage="potential")
    bob = await create_customer(admin, system, "Bob", tag, lifecycle_stage="prospect")
    await create_customer(admin, system, "Cyd", tag, kind="business", lifecycle_stage="prospect")
    await wait_until_analytics_has(admin, system, tag, 3)
    async with system.client("marketing"):  # creates the development user `marketing`
        pass
    await sign_in(page, system, "marketing", path="/marketing/segments/new")

    size = page.locator("#segment-size")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Segment builder")
    await expect(size).to_contain_text("Choose conditions")
    await page.get_by_label("Tags").fill(tag)
    await expect(size).to_have_text(re.compile(r"^\s*3\s+customers match\s*$"))
    customer_type = page.get_by_role("group", name="Customer type")
    await customer_type.get_by_label("business", exact=True).check()
    await expect(size).to_have_text(re.compile(r"^\s*1\s+customer match\s*$"))
    await customer_type.get_by_label("business", exact=True).uncheck()
    await page.get_by_role("group", name="Lifecycle stage").get_by_label("potential").check()
    await expect(size).to_have_text(re.compile(r"^\s*1\s+customer match\s*$"))
    await page.get_by_role("group", name="Lifecycle stage").get_by_label("prospect").check()
    await expect(size).to_have_text(re.compile(r"^\s*3\s+customers match\s*$"))
    await customer_type.get_by_label("individual", exact=True).check()
    await expect(size).to_have_text(re.compile(r"^\s*2\s+customers match\s*$"))
    await page.get_by_label("Segment name").fill(f"People {tag}")
    await assert_accessible(page)
    await screenshot(page, "marketing-segment-builder")

    await page.get_by_role("button", name="Save segment").click()

    await page.wait_for_url(re.compile(r"/marketing/segments/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"People {tag}")
    await expect(page.get_by_text("2 customers", exact=True)).to_be_visible()
    members = page.locator("#members tbody tr")
    await expect(members).to_have_count(2)
    await expect(page.locator("#members")).to_contain_text(ann["name"])
    await expect(page.locator("#members")).to_contain_text(bob["name"])
    await expect(page.get_by_role("link", name=re.compile("Download CSV"))).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "marketing-segment")

    await page.set_viewport_size(PHONE)
    await page.goto("/marketing/segments/new")
    await page.get_by_label("Tags").fill(tag)
    await expect(size).to_contain_text("3 customers match")
    scrolls = await page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not scrolls, "the builder scrolls sideways on a phone"
    await page.evaluate("() => window.scrollTo(0, 0)")  # the count, kept in view, at its place
    await assert_accessible(page)
    await screenshot(page, "marketing-segment-builder-phone")


async def test_a_launched_ab_campaign_shows_its_funnel_roi_and_variants(
    page: Page, system: Launcher, admin: httpx.AsyncClient
) -> None:
    tag = f"campaign-{uuid.uuid4().hex[:8]}"
    people = [await create_customer(admin, system, name, tag) for name in ("Dee", "Eve")]
    for person in people:
        await grant_email(admin, system, person["id"])
    await wait_until_analytics_has(admin, system, tag, 2)
    segment = await admin.post(
        system.url("analytics", "/v1/segments"),
        json={"name": f"Tag {tag}", "filter": {"field": "tags", "op": "contains", "value": tag}},
    )
    assert segment.status_code == 201, segment.text
    segment_id = segment.json()["id"]

    async def marketing_reaches_them() -> bool:
        reach = await admin.get(system.url("marketing", f"/v1/segments/{segment_id}/reach"))
        return bool(reach.status_code == 200 and reach.json()["reachable"]["email"] == 2)

    await wait_for(marketing_reaches_them, timeout=PROPAGATION, message="the audience")
    name = f"Winter sale {tag}"
    created = await admin.post(
        system.url("marketing", "/v1/campaigns"),
        json={
            "name": name,
            "objective": "Sell the winter stock to the tag's customers",
            "channel": "email",
            "segment_id": segment_id,
            "message": {"subject": "Winter sale", "body": "Dear {{ first_name }}, it is on."},
            "ab_test": {
                "alternatives": [{"subject": "Our winter sale", "body": "Hello, it is on."}],
                "share": 1.0,
                "metric": "clicked",
            },
            "fixed_cost": "50.00",
            "cost_per_message": "0.50",
        },
    )
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    launched = await admin.post(
        system.url("marketing", f"/v1/campaigns/{campaign_id}/launch"),
        headers={"If-Match": created.headers["ETag"]},
    )
    assert launched.status_code == 202, launched.text

    async def sent() -> dict[str, Any] | None:
        answer = await admin.get(system.url("marketing", f"/v1/campaigns/{campaign_id}/results"))
        figures: dict[str, Any] = answer.json()
        return figures if figures["sent"] == 2 and figures["pending"] == 0 else None

    results = await wait_for(sent, timeout=PROPAGATION, message="the campaign's messages")
    async with system.client("marketing"):
        pass
    await sign_in(page, system, "marketing", path="/marketing")

    row = page.get_by_role("row").filter(has_text=name)
    # Every message settled completes it: running or completed, as the service says by now.
    await expect(row).to_contain_text(re.compile("running|completed"))
    await expect(row).to_contain_text("E-mail")
    await assert_accessible(page)
    await screenshot(page, "marketing-campaigns")
    await row.get_by_role("link", name=name).click()

    await page.wait_for_url(f"**/marketing/campaigns/{campaign_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    await expect(page.locator("#campaign-funnel svg")).to_be_visible()
    await page.get_by_text("From sent to ordered: the figures").click()
    funnel = page.locator(".chart-data tbody")
    await expect(funnel.locator("tr").first).to_have_text(re.compile(rf"Sent\s*{results['sent']}"))
    variants = page.locator(".mk-ab")
    await expect(variants.get_by_role("columnheader", name=re.compile("Variant A"))).to_be_visible()
    await expect(variants.get_by_role("columnheader", name=re.compile("Variant B"))).to_be_visible()
    kpis = page.locator(".mk-kpis")
    await expect(kpis).to_contain_text(f"{float(results['cost']):,.2f}")  # as the service says
    await expect(kpis).to_contain_text(f"{results['roi'] * 100:.1f} %")
    await assert_accessible(page)
    await screenshot(page, "marketing-campaign")
