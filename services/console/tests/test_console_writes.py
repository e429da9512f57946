"""The console adds no business rule and owns no data: every write route it has is listed
in a ``console_writes_<area>.py`` with the one service API call it must make, and does make
exactly that call (and no other write). A new write route without its case fails here."""

import importlib
from pathlib import Path

import httpx
import pytest
from crm_console.app import create_app
from crm_shared.api.auth import api_routes
from crm_shared.testing.auth import token_for

from services.console.tests.conftest import ORIGIN
from services.console.tests.console_fakes import FakeServices, WriteCase, settings

SAFE = {"GET", "HEAD", "OPTIONS"}


def _modules() -> list[object]:
    folder = Path(__file__).parent
    return [
        importlib.import_module(f"services.console.tests.{path.stem}")
        for path in sorted(folder.glob("console_writes_*.py"))
    ]


CASES: list[WriteCase] = [case for module in _modules() for case in module.WRITES]  # type: ignore[attr-defined]
LOCAL_ONLY = {entry for module in _modules() for entry in getattr(module, "LOCAL_ONLY", [])}


def test_every_write_route_of_the_console_has_its_service_call_listed() -> None:
    app = create_app(settings(), transport=FakeServices().transport)
    routes = {(method, route.path) for route in api_routes(app) for method in route.methods - SAFE}
    listed = {(case.method, case.route) for case in CASES} | LOCAL_ONLY

    assert routes - listed == set(), "write routes without a WriteCase"
    assert listed - routes == set(), "WriteCases of routes that do not exist"


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.method} {case.route}")
async def test_a_write_route_makes_its_service_call_and_nothing_else(case: WriteCase) -> None:
    services = FakeServices()
    service, method, path = case.upstream
    services.on(method, service, path, {})
    if case.prepare is not None:
        case.prepare(services)
    app = create_app(settings(), transport=services.transport)
    from crm_shared.testing.auth import trusting_verifier

    app.state.token_verifier = trusting_verifier()
    token = token_for(case.role, subject="user-1")
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client,
    ):
        client.cookies.set("crm_console_session", token)
        response = await client.request(
            case.method,
            case.url,
            data=case.form,
            headers={"Origin": ORIGIN, **case.headers},
        )

    assert response.status_code < 500, response.text
    writes = services.writes()
    assert [(w.service, w.method) for w in writes] == [(service, method)], response.text
    import re

    assert re.fullmatch(path, writes[0].path), writes[0].path
    if case.route != "/sign-in":
        assert writes[0].headers["authorization"] == f"Bearer {token}"
