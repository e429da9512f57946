"""A real headless Chromium (Debian's ``chromium`` package, driven by Playwright with
``executable_path``: no browser is downloaded) against the console of a running system, and
what every console browser test uses: sign-in as a person, screenshots kept as artifacts,
the axe-core accessibility check (vendored beside this file)."""

import json
import os
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.e2e.launcher import Launcher

VENDOR = Path(__file__).parent / "vendor"
# The CI artifacts folder the README names; a run writes each page's picture here.
SCREENSHOTS = Path(os.environ.get("CRM_SCREENSHOT_DIR", "artifacts/console-screenshots"))
# Flags for a machine without a display, a sandbox or an outside network (Chromium's
# background connections would be refused by the dozen and slow every start).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def chromium_path() -> str | None:
    configured = os.environ.get("CRM_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


def password_of(system: Launcher, name: str) -> str:
    """A development user's password, as ``crm token`` wrote it (admin: the bootstrap's)."""
    return (system.data_dir / f"identity-{name}-password").read_text().strip()


def email_of(name: str) -> str:
    return "admin@localhost" if name == "admin" else f"{name}@crm.example.com"


async def sign_in(page: Page, system: Launcher, name: str = "admin", *, path: str = "/") -> None:
    """Signs in through the console's own form, as a person would, and lands on ``path``."""
    await page.goto(f"/sign-in?next={path}")
    await page.get_by_label("E-mail").fill(email_of(name))
    await page.get_by_label("Password").fill(password_of(system, name))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{path}")


async def screenshot(page: Page, name: str) -> Path:
    """The whole page as ``<name>.png`` in the artifacts folder."""
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)  # makes the folder
    return path


async def load_axe(page: Page) -> None:
    """axe-core in every document the page loads, put there by the browser itself (an init
    script), so the console's Content-Security-Policy, which refuses inline scripts, holds."""
    await page.add_init_script(path=str(VENDOR / "axe.min.js"))


async def accessibility_violations(
    page: Page, *, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now, of those impacts."""
    result = await page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


async def assert_accessible(page: Page) -> None:
    violations = await accessibility_violations(page)
    summary = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [node["target"] for node in v["nodes"][:5]],
        }
        for v in violations
    ]
    assert not violations, json.dumps(summary, indent=2)
