"""Fixtures of the support service's tests: an app on a fresh database per test, over SQLite
and (where a server is reachable) PostgreSQL, on a FakeClock whose timers the test fires
itself, and clients for it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_shared.clock import Clock, FakeClock
from crm_shared.testing import app_client
from crm_support.app import create_app
from crm_support.settings import SupportSettings
from fastapi import FastAPI

from services.support.tests.support_builders import START


@pytest.fixture
async def support_database_url(make_database: Callable[[str], Awaitable[str]]) -> str:
    return await make_database("support")


@pytest.fixture
def support_settings(support_database_url: str, tmp_path: Path) -> SupportSettings:
    return SupportSettings(database_url=support_database_url, data_dir=tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    """The app's clock: it moves only when the test moves it."""
    return FakeClock(START)


@pytest.fixture
def quiet_timer_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own timer worker looks for due timers only once an hour (of real time):
    the test moves the FakeClock and fires the due timers itself
    (``app.state.runtime.timers.fire_due()``), with no background pass racing it."""
    monkeypatch.setenv("CRM_TIMER_POLL_SECONDS", "3600")


@pytest.fixture
async def support_app(
    support_settings: SupportSettings, clock: Clock, quiet_timer_worker: None
) -> AsyncIterator[FastAPI]:
    app = create_app(support_settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def support_client(support_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An admin's client (a test that needs another caller sends its own token)."""
    async with app_client(support_app, "http://support") as client:
        yield client
