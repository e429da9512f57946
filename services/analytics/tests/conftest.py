"""Fixtures of the analytics tests: the service on a real database (a SQLite file, and a
PostgreSQL database where a server is reachable), without the broker."""

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from crm_analytics.app import create_app
from crm_analytics.settings import AnalyticsSettings
from crm_shared.testing import app_client
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import TIMELINE_SIZE


@pytest.fixture
async def app(make_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[FastAPI]:
    settings = AnalyticsSettings(
        database_url=await make_database("analytics"), profile_timeline_size=TIMELINE_SIZE
    )
    application = create_app(settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, "http://analytics") as http:
        yield http
