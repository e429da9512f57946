"""Fixtures of the analytics tests: the service on a real database (a SQLite file, and a
PostgreSQL database where a server is reachable), without the broker."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_analytics.app import create_app
from crm_analytics.settings import AnalyticsSettings
from fastapi import FastAPI

from services.analytics.tests.analytics_harness import TIMELINE_SIZE


@pytest.fixture(params=["sqlite", "postgresql"])
def make_analytics_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], Awaitable[str]]:
    """Returns an async factory of the database URL. PostgreSQL is asked for only by its own
    variant (a sync fixture may resolve it), so without a server just that variant skips."""
    if request.param == "postgresql":
        maker: Callable[[], Awaitable[str]] = request.getfixturevalue("make_postgres_database")
        return maker

    async def sqlite_file() -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/analytics.db"

    return sqlite_file


@pytest.fixture
async def app(
    make_analytics_database: Callable[[], Awaitable[str]],
) -> AsyncIterator[FastAPI]:
    settings = AnalyticsSettings(
        database_url=await make_analytics_database(), profile_timeline_size=TIMELINE_SIZE
    )
    application = create_app(settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as http:
        yield http
