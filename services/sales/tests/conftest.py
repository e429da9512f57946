"""Fixtures of the sales service's tests: an app on a fresh database per test, over SQLite
and (where a server is reachable) PostgreSQL, and clients for it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_sales.app import create_app
from crm_sales.settings import SalesSettings
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.testing import app_client
from fastapi import FastAPI


@pytest.fixture
async def sales_database_url(make_database: Callable[[str], Awaitable[str]]) -> str:
    return await make_database("sales")


@pytest.fixture
def sales_settings(sales_database_url: str, tmp_path: Path) -> SalesSettings:
    return SalesSettings(database_url=sales_database_url, data_dir=tmp_path)


@pytest.fixture
def clock() -> Clock:
    """The app's clock: the system's; a test module that moves time overrides this fixture
    with a FakeClock."""
    return SYSTEM_CLOCK


@pytest.fixture
async def sales_app(sales_settings: SalesSettings, clock: Clock) -> AsyncIterator[FastAPI]:
    app = create_app(sales_settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def sales_client(sales_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An admin's client (a test that needs another caller sends its own token)."""
    async with app_client(sales_app, "http://sales") as client:
        yield client
