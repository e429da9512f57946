"""Fixtures of the customer service's tests: an app on a fresh database per test, over
SQLite and (where a server is reachable) PostgreSQL, and a client for it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_customer.app import create_app
from crm_customer.settings import CustomerSettings
from fastapi import FastAPI

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def customer_make_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], Awaitable[str]]:
    """An async factory of a fresh database URL. A sync fixture, so that it can ask for the
    PostgreSQL fixture (whose session fixtures are async) only when that backend runs."""
    if request.param == "postgresql":
        make: Callable[[], Awaitable[str]] = request.getfixturevalue("make_postgres_database")
        return make

    async def make_sqlite() -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'customer.db'}"

    return make_sqlite


@pytest.fixture
async def customer_database_url(customer_make_database: Callable[[], Awaitable[str]]) -> str:
    return await customer_make_database()


@pytest.fixture
def customer_settings(customer_database_url: str, tmp_path: Path) -> CustomerSettings:
    return CustomerSettings(database_url=customer_database_url, data_dir=tmp_path)


@pytest.fixture
async def customer_app(customer_settings: CustomerSettings) -> AsyncIterator[FastAPI]:
    app = create_app(customer_settings, run_bus=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def customer_client(customer_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=customer_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://customer") as client:
        yield client
