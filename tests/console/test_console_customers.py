"""The customer pages in a real browser against the running system: find a customer, its
360 page, edit (and a stale edit), merge two duplicates, erase one."""

import uuid
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.console.browser import DESKTOP, PHONE, assert_accessible, screenshot, sign_in
from tests.e2e.launcher import Launcher
from tests.helpers import wait_for


def _person(first: str, token: str, **more: Any) -> dict[str, Any]:
    number = int(token[:6], 16) % 10000
    return {
        "kind": "individual",
        "name": f"{first} Hopper {token}",
        "email": f"{first.lower()}.{token}@example.org",
        "phone": f"+44 20 7946 {number:04d}",
        "company": "Harvard Computation Lab",
        "tags": ["navy", "compilers"],
        "geographic": {"city": "Arlington"},
        **more,
    }


async def _create(admin: httpx.AsyncClient, system: Launcher, body: dict[str, Any]) -> str:
    response = await admin.post(
        system.url("customer", "/v1/customers"), json=body, params={"strict": "false"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _profile_exists(admin: httpx.AsyncClient, system: Launcher, customer_id: str) -> None:
    async def present() -> bool:
        response = await admin.get(system.url("analytics", f"/v1/profiles/{customer_id}"))
        return response.status_code == 200

    await wait_for(present, timeout=30, interval=0.3, message="the analytics profile")


async def _place_orders(admin: httpx.AsyncClient, system: Launcher, customer_id: str) -> None:
    """Two orders, so that the profile has sales, scores and a timeline to show."""

    async def in_sales() -> bool:
        response = await admin.get(system.url("sales", f"/v1/customers/{customer_id}"))
        return response.status_code == 200

    await wait_for(in_sales, timeout=30, interval=0.3, message="the customer in sales")
    for day, amount in (("2026-10-05", "480.00"), ("2026-11-20", "1250.00")):
        order = {
            "customer_id": customer_id,
            "lines": [{"product": "Compiler licence", "quantity": 1, "unit_price": amount}],
            "ordered_at": f"{day}T10:00:00Z",
            "payment_terms_days": 30,
        }
        response = await admin.post(system.url("sales", "/v1/orders"), json=order)
        assert response.status_code == 201, response.text

    async def profile_has_the_orders() -> bool:
        response = await admin.get(system.url("analytics", f"/v1/profiles/{customer_id}"))
        return response.status_code == 200 and response.json()["sales"]["orders"] == 2

    await wait_for(profile_has_the_orders, timeout=30, interval=0.3, message="the orders")


async def _no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


async def test_find_a_customer_open_the_360_page_edit_and_a_stale_edit(
    page: Page, system: Launcher, admin: httpx.AsyncClient
) -> None:
    token = uuid.uuid4().hex[:8]
    customer_id = await _create(admin, system, _person("Grace", token))
    await _profile_exists(admin, system, customer_id)
    await _place_orders(admin, system, customer_id)

    await sign_in(page, system, "admin", path="/customers")
    await page.get_by_label("Search by name, e-mail or phone").fill(f"Grace Hopper {token}")
    result = page.get_by_role("link", name=f"Grace Hopper {token}")
    await expect(result).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="1 customer")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "customers-search")
    await page.set_viewport_size(PHONE)
    await _no_sideways_scroll(page)
    await screenshot(page, "customers-search-phone")
    await page.set_viewport_size(DESKTOP)

    await result.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Grace Hopper {token}")
    await expect(page.get_by_role("heading", name="Scores")).to_be_visible()
    await expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    await expect(page.locator(".tl-item").first).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "customers-360")
    await page.set_viewport_size(PHONE)
    await _no_sideways_scroll(page)
    await screenshot(page, "customers-360-phone")
    await page.set_viewport_size(DESKTOP)

    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("City").fill("New York")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("The changes are saved.")).to_be_visible()
    await expect(page.get_by_text("New York")).to_be_visible()

    # A stale edit: someone changes the customer while the form is open.
    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("Occupation").fill("Rear admiral")
    changed = await admin.patch(
        system.url("customer", f"/v1/customers/{customer_id}"),
        json={"company": "US Navy"},
        headers={"If-Match": "*"},
    )
    assert changed.status_code == 200, changed.text
    await page.get_by_role("button", name="Save changes").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text(
        "This customer was changed by someone else since you opened the form"
    )
    await expect(alert).to_contain_text("Rear admiral")
    await expect(page.get_by_label("Company")).to_have_value("US Navy")
    await assert_accessible(page)
    await screenshot(page, "customers-edit-stale")

    # The stage moves the service allows, from the 360 page.
    await page.get_by_role("link", name="go back to the customer").click()
    await page.get_by_text("Move to another stage").click()
    await page.get_by_label("New stage").select_option("lost")
    await page.get_by_label("Why").fill("moved abroad")
    await page.get_by_role("button", name="Move the stage").click()
    await expect(page.get_by_text("The lifecycle stage was changed.")).to_be_visible()
    latest = page.locator(".stages li").first
    await expect(latest).to_contain_text("moved abroad")
    await expect(latest.locator(".stage-move")).to_contain_text("Lost")


async def test_merge_two_duplicates_then_erase_the_survivor(
    page: Page, system: Launcher, admin: httpx.AsyncClient
) -> None:
    token = uuid.uuid4().hex[:8]
    survivor_id = await _create(admin, system, _person("Anita", token))
    twin = _person("Anita", token, email=f"a.borg.{token}@example.org", tags=["navy"])
    duplicate_id = await _create(admin, system, twin)

    await sign_in(page, system, "admin", path=f"/customers/{survivor_id}")
    await page.get_by_role("link", name="Merge a duplicate").click()
    await assert_accessible(page)
    # The picker starts with the records of the same name.
    await page.get_by_role("link", name=f"Compare Anita Hopper {token}").click()
    await expect(page.get_by_role("heading", name="Merge preview")).to_be_visible()
    await expect(page.get_by_text("2 of 14 fields differ")).to_be_visible()
    differing = page.locator("tr.differs th")
    await expect(differing.filter(has_text="E-mail")).to_contain_text("Differs")
    await expect(differing.filter(has_text="Tags")).to_contain_text("Differs")
    await assert_accessible(page)
    await screenshot(page, "customers-merge")

    await page.get_by_role("button", name=f"Merge Anita Hopper {token} into").click()
    await expect(page.get_by_text("The duplicate was merged into this customer")).to_be_visible()
    merged = await admin.get(system.url("customer", f"/v1/customers/{duplicate_id}"))
    assert merged.json()["status"] == "merged"
    assert merged.json()["merged_into"] == survivor_id

    await page.get_by_role("link", name="Erase personal data").click()
    await expect(page.get_by_role("heading", name="This cannot be undone")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "customers-erase")
    await page.get_by_label("The request this fulfils").fill(f"ticket {token}")
    await page.get_by_label("Type the customer's name to confirm").fill(f"Anita Hopper {token}")
    await page.get_by_role("button", name="Erase personal data").click()
    await expect(page.get_by_text("The customer's personal data was erased")).to_be_visible()
    erased = await admin.get(system.url("customer", f"/v1/customers/{survivor_id}"))
    assert erased.json()["status"] == "erased"
