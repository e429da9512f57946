"""The console in-process over httpx's ASGI transport, its services faked (``fakes``), and
tokens signed by the test key (``crm_shared.testing.auth``). The real services and a real
browser: ``tests/console``."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest
from crm_console.app import create_app
from crm_shared.clock import FakeClock
from crm_shared.testing.auth import token_for, trusting_verifier

from services.console.tests.console_fakes import FakeServices, settings

ORIGIN = "http://console.test"


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@pytest.fixture
def clock() -> FakeClock:
    """The console's "today" (a report's default period): Monday 7 December 2026."""
    return FakeClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
async def console(services: FakeServices, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """The console, not signed in (``sign_in`` below)."""
    app = create_app(
        settings(), transport=services.transport, verifier=trusting_verifier(), clock=clock
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=ORIGIN,
            headers={"Origin": ORIGIN},
        ) as client,
    ):
        yield client


@pytest.fixture
def sign_in(console: httpx.AsyncClient) -> Callable[..., str]:
    """Puts a session cookie of ``role`` on the console client (as sign-in would)."""

    def signing_in(role: str = "admin", subject: str = "user-1", **claims: object) -> str:
        token = token_for(role, subject=subject, **claims)
        console.cookies.set("crm_console_session", token)
        console.cookies.set("crm_console_user", f"{role}@crm.example.com")
        return token

    return signing_in
