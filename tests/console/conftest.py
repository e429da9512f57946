"""The whole system as ``crm up`` runs it (the console included), once for every browser test,
with a real headless Chromium. Without Chromium (``./crm test`` installs Debian's package
where it can) these tests are skipped on a developer's machine and fail in CI (``CI`` set).

Package-scoped: the system and the browser stop when the last test here is done, not at the
end of the whole run (their idle polling would tax every test after them)."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.console.browser import CHROMIUM_FLAGS, DESKTOP, chromium_path, load_axe
from tests.e2e.launcher import Launcher, running_launcher


def _require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    return path


@pytest.fixture(scope="package")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Launcher]:
    """`crm up` in a fresh data folder on free ports, ready (every service and the console)."""
    folder: Path = tmp_path_factory.mktemp("console-system")
    async with running_launcher(folder) as running:
        await running.wait_for_output("all services ready", within=120)
        yield running


@pytest.fixture(scope="package")
async def admin(system: Launcher) -> AsyncIterator[httpx.AsyncClient]:
    """The admin's API client: sets up what a browser test then looks at."""
    async with system.client("admin") as http:
        yield http


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    executable = _require_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_FLAGS)
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, system: Launcher) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies) with the console as its base URL."""
    context = await browser.new_context(
        base_url=system.url("console", ""), viewport=DESKTOP, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    yield context
    await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A tab with axe-core loaded; the test fails if the console's Content-Security-Policy
    refused anything the page tried (an inline script, an eval, a foreign origin)."""
    tab = await context.new_page()
    refused: list[str] = []
    tab.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    await load_axe(tab)
    yield tab
    assert refused == [], refused
