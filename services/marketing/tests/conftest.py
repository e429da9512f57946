"""Fixtures of the marketing tests: the service on a fresh database per test (SQLite, and
PostgreSQL where a server is reachable), on a FakeClock, without the broker and without its
background sender (a test drives a Sender itself: ``marketing_harness``)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from crm_marketing.app import create_app
from crm_marketing.settings import MarketingSettings
from crm_shared.clock import FakeClock
from crm_shared.testing import app_client
from fastapi import FastAPI

from services.marketing.tests.marketing_harness import NOON


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings beyond the defaults; a test module overrides this fixture."""
    return {}


@pytest.fixture
async def marketing_settings(
    make_database: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    settings_overrides: dict[str, Any],
) -> MarketingSettings:
    return MarketingSettings(
        database_url=await make_database("marketing"),
        data_dir=tmp_path,
        **settings_overrides,
    )


@pytest.fixture
async def app(marketing_settings: MarketingSettings, clock: FakeClock) -> AsyncIterator[FastAPI]:
    application = create_app(marketing_settings, run_bus=False, clock=clock, send=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An admin's client (a test that needs another caller sends its own token)."""
    async with app_client(app, "http://marketing") as http:
        yield http
