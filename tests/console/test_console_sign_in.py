"""Signing in to the console in a real browser, as the admin and as a role."""

import re

from playwright.async_api import Page, expect

from tests.console.browser import (
    PHONE,
    assert_accessible,
    email_of,
    screenshot,
    sign_in,
)
from tests.e2e.launcher import Launcher


async def test_sign_in_as_the_admin_shows_every_area(page: Page, system: Launcher) -> None:
    await page.goto("/customers")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fcustomers$"))
    await assert_accessible(page)
    await screenshot(page, "sign-in")

    await sign_in(page, system, "admin", path="/")

    nav = page.get_by_role("navigation", name="Main")
    for area in ("Customers", "Sales", "Service", "Marketing", "Analytics"):
        await expect(nav.get_by_role("link", name=area)).to_be_visible()
    await expect(page.get_by_text(email_of("admin"), exact=True)).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "start")


async def test_a_wrong_password_is_refused_with_the_reason(page: Page) -> None:
    await page.goto("/sign-in")
    await page.get_by_label("E-mail").fill("admin@localhost")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("alert")).to_contain_text("not correct")


async def test_a_support_agent_sees_only_their_areas_on_a_phone(
    page: Page, system: Launcher
) -> None:
    async with system.client("support"):  # creates the development user `support`
        pass
    await page.set_viewport_size(PHONE)

    await sign_in(page, system, "support", path="/")

    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Service")).to_be_visible()
    await expect(nav.get_by_role("link", name="Marketing")).to_have_count(0)
    await expect(nav.get_by_role("link", name="Analytics")).to_have_count(0)
    await assert_accessible(page)
    await screenshot(page, "start-phone-support")
