"""Fixtures of the identity service's tests: the service on a fresh database per test (a
SQLite file, and a PostgreSQL database where a server is reachable), a fake clock, and an
admin's bearer token."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from crm_identity.app import create_app
from crm_identity.settings import IdentitySettings
from crm_shared.testing import FakeClock, app_client
from fastapi import FastAPI

from services.identity.tests.identity_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, password_token


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def identity_settings(
    make_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> IdentitySettings:
    return IdentitySettings(
        database_url=await make_database("identity"),
        data_dir=tmp_path,
        bootstrap_admin_password=ADMIN_PASSWORD,
    )


@pytest.fixture
async def identity_app(
    identity_settings: IdentitySettings, clock: FakeClock
) -> AsyncIterator[FastAPI]:
    app = create_app(identity_settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(identity_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(identity_app, "http://identity", test_tokens=False) as http:
        yield http


@pytest.fixture
async def admin_token(client: httpx.AsyncClient) -> str:
    return await password_token(client, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
async def admin(client: httpx.AsyncClient, admin_token: str) -> httpx.AsyncClient:
    """The same client, sending the admin's bearer token."""
    client.headers["Authorization"] = f"Bearer {admin_token}"
    return client
