"""Fixtures of the customer service's tests: an app on a fresh database per test, over
SQLite and (where a server is reachable) PostgreSQL, and a client for it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_customer.app import create_app
from crm_customer.settings import CustomerSettings
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.testing import app_client
from fastapi import FastAPI


@pytest.fixture
async def customer_database_url(make_database: Callable[[str], Awaitable[str]]) -> str:
    return await make_database("customer")


@pytest.fixture
def customer_settings(customer_database_url: str, tmp_path: Path) -> CustomerSettings:
    return CustomerSettings(database_url=customer_database_url, data_dir=tmp_path)


@pytest.fixture
def clock() -> Clock:
    """The app's clock: the system's; a test module that moves time overrides this fixture
    with a FakeClock."""
    return SYSTEM_CLOCK


@pytest.fixture
async def customer_app(customer_settings: CustomerSettings, clock: Clock) -> AsyncIterator[FastAPI]:
    app = create_app(customer_settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def customer_client(customer_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(customer_app, "http://customer") as client:
        yield client
