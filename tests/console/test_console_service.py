"""The customer-service pages in a real browser against the running system: a complaint in
the queue with its first-response target counting down, its page, Acknowledge meeting that
target, and the work going on (investigating, a note in the history); on a phone too."""

import re
import uuid
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.console.browser import PHONE, assert_accessible, screenshot, sign_in
from tests.e2e.launcher import Launcher
from tests.helpers import wait_for

# The first-response target is two hours at normal priority: a fresh one shows under that.
FRESH_COUNTDOWN = re.compile(r"^(1 h \d\d min|2 h 00 min) left$")


async def open_complaint(system: Launcher, admin: httpx.AsyncClient) -> dict[str, Any]:
    """A new customer and their complaint (support knows the customer once the master's
    event has reached it over Kafka: until then the ticket is refused, so ask again)."""
    token = uuid.uuid4().hex[:8]
    created = await admin.post(
        system.url("customer", "/v1/customers"),
        json={
            "kind": "individual",
            "name": f"Grace Service {token}",
            "email": f"g.{token}@example.org",
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    body = {
        "customer_id": customer["id"],
        "kind": "complaint",
        "category": "product_quality",
        "channel": "phone",
        "subject": f"Kettle leaks {token}",
        "description": "The kettle leaks from the bottom after a week of use.",
        "product": "kettle K2",
        "received_by": "agent-1",
    }

    async def opened() -> dict[str, Any] | None:
        response = await admin.post(system.url("support", "/v1/tickets"), json=body)
        if response.status_code == 422 and "not known" in response.text:
            return None
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    ticket: dict[str, Any] = await wait_for(
        opened, timeout=60, interval=0.5, message="the customer reached support"
    )
    return {**ticket, "customer_name": customer["name"]}


async def test_a_complaint_from_the_queue_to_its_first_response_met(
    page: Page, system: Launcher, admin: httpx.AsyncClient
) -> None:
    ticket = await open_complaint(system, admin)
    subject = ticket["subject"]

    await sign_in(page, system, "admin", path="/service")

    await expect(page.get_by_role("heading", level=1, name="Service queue")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=subject)
    first = row.locator('[data-target="first_contact"]')
    await expect(first.locator(".badge")).to_have_text("running")
    await expect(first.locator("time[data-due]")).to_have_text(FRESH_COUNTDOWN)
    await expect(row.get_by_role("link", name=ticket["customer_name"])).to_have_attribute(
        "href", f"/customers/{ticket['customer_id']}"
    )
    await assert_accessible(page)
    await screenshot(page, "service-queue")

    await row.get_by_role("link", name=subject).click()
    await expect(page.get_by_role("heading", level=1, name=subject)).to_be_visible()
    target = page.locator('.svc-status [data-target="first_contact"]')
    await expect(target.locator(".badge")).to_have_text("running")
    await expect(target.locator("time[data-due]")).to_have_text(FRESH_COUNTDOWN)
    await expect(page.locator(".svc-history li")).to_have_count(1)
    await assert_accessible(page)
    await screenshot(page, "service-ticket")

    await page.get_by_role("button", name="Acknowledge", exact=True).click()
    await expect(target).to_have_attribute("data-state", "met")
    await expect(target.locator(".badge")).to_have_text("met")
    await expect(page.locator("#flash")).to_contain_text("Done: Acknowledge.")
    await expect(page.get_by_role("button", name="Acknowledge", exact=True)).to_have_count(0)
    await expect(page.locator(".svc-status-word")).to_have_text("acknowledged")

    await page.get_by_role("button", name="Start investigating").click()
    await expect(page.locator(".svc-status-word")).to_have_text("investigating")
    await page.locator("summary", has_text="Add a note").click()
    await page.get_by_label("Note").fill("Asked the customer for a photo of the base.")
    await page.get_by_role("button", name="Save the note").click()
    await expect(page.locator(".svc-history")).to_contain_text("Asked the customer for a photo")
    await expect(page.locator(".svc-history")).to_contain_text("Target met")
    await assert_accessible(page)
    await screenshot(page, "service-ticket-met")

    answer = await admin.get(system.url("support", f"/v1/tickets/{ticket['id']}"))
    stored = answer.json()
    assert stored["status"] == "investigating"
    assert {t["target"]: t["state"] for t in stored["targets"]}["first_contact"] == "met"


async def test_the_queue_on_a_phone(page: Page, system: Launcher, admin: httpx.AsyncClient) -> None:
    ticket = await open_complaint(system, admin)
    await page.set_viewport_size(PHONE)

    await sign_in(page, system, "admin", path="/service")

    row = page.get_by_role("row").filter(has_text=ticket["subject"])
    await expect(row.locator('[data-target="first_contact"] .badge')).to_have_text("running")
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width} px)"
    await assert_accessible(page)
    await screenshot(page, "service-queue-phone")
