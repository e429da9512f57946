"""Record-level access (OWASP API1, broken object level authorisation) and property-level
exposure (OWASP API3) on the customer master.

Every route under ``/v1/customers/{customer_id}`` checks the record's reach
(``crm_customer.web.customer_within_reach``) right after the permission; a sales rep who
calls any of them, with any method, on a colleague's customer gets the very answer a
customer that does not exist gets: 404, whatever the If-Match and the body.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from crm_customer.app import create_app
from crm_customer.settings import CustomerSettings
from crm_customer.web import customer_within_reach
from crm_shared.api.auth import api_routes, declared_permission
from crm_shared.api.concurrency import depends_on
from crm_shared.auth.permissions import ROLE_PERMISSIONS, Permission
from crm_shared.contracts.identity import Role
from crm_shared.testing import app_client, bearer, token_for
from fastapi import FastAPI

RECORD_PREFIX = "/v1/customers/{customer_id}"
REP = bearer(token_for("sales", subject="rep"))


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = CustomerSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'customer.db'}", data_dir=tmp_path
    )
    application = create_app(settings, run_bus=False)
    async with application.router.lifespan_context(application):
        yield application


def record_routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(method, path, permission) of every route on one customer record."""
    return sorted(
        (method, route.path, declared_permission(route))
        for route in api_routes(app)
        if route.path.startswith(RECORD_PREFIX)
        for method in route.methods - {"HEAD"}
    )


def test_every_record_route_checks_the_reach(app: FastAPI) -> None:
    unchecked = [
        route.path
        for route in api_routes(app)
        if route.path.startswith(RECORD_PREFIX)
        and not depends_on(route.dependant, customer_within_reach)
    ]
    assert record_routes(app)
    assert unchecked == []


async def test_a_colleagues_customer_is_not_found_on_every_record_route(app: FastAPI) -> None:
    async with app_client(app) as admin:
        created = await admin.post(
            "/v1/customers",
            json={"kind": "business", "name": "Bob's account", "owner": "bob"},
        )
        assert created.status_code == 201, created.text
        customer_id = created.json()["id"]
        contact = await admin.post(f"/v1/customers/{customer_id}/contacts", json={"name": "Pat"})
        receivable_id = contact_id = contact.json()["id"]  # any id: the customer fails first
        for method, template, permission in record_routes(app):
            # The permission comes first (403, which says nothing about the record).
            expected = 404 if Permission(permission) in ROLE_PERMISSIONS[Role.SALES] else 403
            path = template.format(
                customer_id=customer_id,
                contact_id=contact_id,
                receivable_id=receivable_id,
                channel="email",
            )
            # A stale version and a body that cannot be valid: neither may be answered.
            headers = {**REP, "If-Match": '"999"'}
            answer = await admin.request(method, path, headers=headers, json={"bad": True})
            assert answer.status_code == expected, (method, template, answer.text)
            if expected == 404:
                assert answer.json()["detail"] == f"customer {customer_id} does not exist"
            # The admin reaches it (the 404 above is the reach, not a missing record).
            seen = await admin.get(f"/v1/customers/{customer_id}")
            assert seen.status_code == 200


async def test_owner_is_not_mass_assignable_and_personal_fields_are_masked(
    app: FastAPI,
) -> None:
    async with app_client(app) as admin:
        refused = await admin.post(
            "/v1/customers",
            json={"kind": "individual", "name": "Ann", "owner": "someone-else"},
            headers=REP,
        )
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/owner-not-assignable")
        created = await admin.post(
            "/v1/customers",
            json={"kind": "individual", "name": "Ann", "email": "ann@example.org"},
        )
        url = f"/v1/customers/{created.json()['id']}"
        for caller in (token_for("analyst"), token_for(client_id="p", scopes=("customers:read",))):
            answer = await admin.get(url, headers=bearer(caller))
            assert answer.json()["email"] == "a***@example.org"
            assert "private" in answer.headers["cache-control"]


async def test_an_answer_with_a_token_is_never_shared_by_caches(app: FastAPI) -> None:
    async with app_client(app) as admin:
        response = await admin.get("/v1/customers")
    assert "private" in response.headers["cache-control"]
    assert "Authorization" in response.headers["vary"]


async def test_a_conditional_get_keeps_the_private_headers(app: FastAPI) -> None:
    async with app_client(app) as admin:
        created = await admin.post("/v1/customers", json={"kind": "individual", "name": "Ann"})
        url = f"/v1/customers/{created.json()['id']}"
        etag = created.headers["etag"]
        response: httpx.Response = await admin.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert "private" in response.headers["cache-control"]
    assert "Authorization" in response.headers["vary"]
