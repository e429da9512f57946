"""Fixtures of the analytics tests: the service on a real database (a SQLite file, and a
PostgreSQL database where a server is reachable), without the broker."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from crm_analytics.app import create_app
from crm_analytics.settings import AnalyticsSettings
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.testing import app_client
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import TIMELINE_SIZE


@pytest.fixture
def clock() -> Clock:
    """The app's clock: the system's; a test module that needs a fixed "today" overrides
    this fixture with a FakeClock."""
    return SYSTEM_CLOCK


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings of the app beyond the defaults; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def app(
    make_database: Callable[[str], Awaitable[str]],
    clock: Clock,
    settings_overrides: dict[str, Any],
) -> AsyncIterator[FastAPI]:
    settings = AnalyticsSettings(
        database_url=await make_database("analytics"),
        profile_timeline_size=TIMELINE_SIZE,
        **settings_overrides,
    )
    application = create_app(settings, run_bus=False, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, "http://analytics") as http:
        yield http
