"""Unrestricted resource consumption (OWASP API4): rate limits per caller, bulk operations
counted by their rows, bounded bodies and pages. Through httpx's ASGI transport, with the
services' limits made small and a fake clock that the tests move."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from crm_customer.app import create_app as create_customer_app
from crm_customer.settings import CustomerSettings
from crm_identity.app import create_app as create_identity_app
from crm_identity.settings import IdentitySettings
from crm_shared.api.ratelimit import RATE_LIMITED_TYPE
from crm_shared.clock import FakeClock
from crm_shared.testing import app_client, bearer, token_for
from fastapi import FastAPI

PEOPLE_PER_MINUTE = 3  # one unit back every 20 s
BULK_ROWS_PER_MINUTE = 3  # one row back every 20 s
CLIENTS_PER_MINUTE = 4


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def customer_app(tmp_path: Path, clock: FakeClock) -> AsyncIterator[FastAPI]:
    settings = CustomerSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'customer.db'}",
        data_dir=tmp_path,
        rate_limit_per_minute=PEOPLE_PER_MINUTE,
        rate_limit_client_per_minute=CLIENTS_PER_MINUTE,
        rate_limit_bulk_rows_per_minute=BULK_ROWS_PER_MINUTE,
        max_request_bytes=4096,
    )
    app = create_customer_app(settings, run_bus=False, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(customer_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(customer_app, "http://customer", role=None) as http:
        yield http


def csv_of(*names: str) -> str:
    return "kind,name\n" + "".join(f"individual,{name}\n" for name in names)


def assert_rate_limited(
    response: httpx.Response, retry_after: int, remaining: int = 0, policy: str = "default"
) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == RATE_LIMITED_TYPE
    assert response.headers["Retry-After"] == str(retry_after)
    assert response.headers["RateLimit"] == f'"{policy}";r={remaining};t={retry_after}'


async def test_a_person_over_the_limit_gets_429_with_the_headers_until_time_passes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ann = bearer(token_for("sales"))
    answers = [await client.get("/v1/customers", headers=ann) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].headers["RateLimit-Policy"] == '"default";q=3;w=60'
    assert [answer.headers["RateLimit"] for answer in answers] == [
        '"default";r=2;t=20',
        '"default";r=1;t=40',
        '"default";r=0;t=60',
    ]
    assert_rate_limited(await client.get("/v1/customers", headers=ann), retry_after=20)
    # Someone else is not held back by Ann's exhaustion.
    assert (await client.get("/v1/customers", headers=bearer(token_for("sales")))).is_success
    clock.advance(seconds=20)
    assert (await client.get("/v1/customers", headers=ann)).is_success


async def test_forbidden_calls_count_too(client: httpx.AsyncClient) -> None:
    analyst = bearer(token_for("analyst"))
    for _ in range(PEOPLE_PER_MINUTE):
        response = await client.post("/v1/customers", headers=analyst, json={})
        assert response.status_code == 403
    assert_rate_limited(await client.get("/v1/customers", headers=analyst), retry_after=20)


async def test_a_partner_client_is_held_to_the_limit_its_token_carries(
    client: httpx.AsyncClient,
) -> None:
    scopes = ("customers:read",)
    own = bearer(token_for(client_id="slow", scopes=scopes, rate_limit_per_minute=2))
    assert [(await client.get("/v1/customers", headers=own)).status_code for _ in "ab"] == [
        200,
        200,
    ]
    refused = await client.get("/v1/customers", headers=own)
    assert_rate_limited(refused, retry_after=30)
    assert refused.headers["RateLimit-Policy"] == '"default";q=2;w=60'
    # A client whose token names no limit gets the platform's default for clients.
    other = await client.get("/v1/customers", headers=bearer(token_for(client_id="other")))
    assert other.status_code == 403  # no scope, but counted under its own, default, policy
    assert other.headers["RateLimit-Policy"] == f'"default";q={CLIENTS_PER_MINUTE};w=60'


async def test_a_csv_import_costs_its_rows_from_the_bulk_bucket(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ann = {**bearer(token_for("sales")), "content-type": "text/csv"}
    four_rows = csv_of("Ann", "Bob", "Cid", "Dan")
    imported = await client.post("/v1/customers/import", content=four_rows, headers=ann)
    assert imported.status_code == 200  # more than the quota: passes on a full bucket ...
    assert imported.headers["RateLimit"] == '"bulk";r=0;t=80'  # ... and leaves a debt
    assert imported.headers["RateLimit-Policy"] == f'"bulk";q={BULK_ROWS_PER_MINUTE};w=60'
    clock.advance(seconds=20)  # one row back: the debt is repaid, the bucket still empty
    assert_rate_limited(
        await client.post("/v1/customers/import", content=csv_of("Eve"), headers=ann),
        retry_after=20,
        policy="bulk",
    )
    listed = await client.get("/v1/customers", headers=ann)  # requests have their own bucket
    assert listed.status_code == 200
    clock.advance(seconds=40)
    two_rows = await client.post("/v1/customers/import", content=csv_of("Eve", "Fay"), headers=ann)
    assert two_rows.status_code == 200
    assert two_rows.headers["RateLimit"] == '"bulk";r=0;t=60'
    clock.advance(seconds=40)  # two rows back; more than the quota needs a full bucket
    refused = await client.post("/v1/customers/import", content=four_rows, headers=ann)
    assert_rate_limited(refused, retry_after=20, remaining=2, policy="bulk")
    everyone = await client.get("/v1/customers", headers=bearer(token_for("sales")))
    names = sorted(item["name"] for item in everyone.json()["items"])
    assert names == ["Ann", "Bob", "Cid", "Dan", "Eve", "Fay"]  # nothing twice


async def test_an_export_owes_the_rows_it_returned(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    ann = bearer(token_for("sales"))
    imported = await client.post(
        "/v1/customers/import",
        content="kind,name\nindividual,Ann\nindividual,Bob\n",
        headers={**ann, "content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    clock.advance(minutes=1)
    admin = bearer(token_for("admin"))
    export = await client.get("/v1/customers/export", headers=admin)
    assert export.status_code == 200
    assert export.text.count("\n") == 3  # the header and two rows
    # One row to start, two for the rows sent: the bulk bucket of three is empty, so the
    # next export waits while other requests pass.
    assert (await client.get("/v1/customers", headers=admin)).status_code == 200
    assert_rate_limited(
        await client.get("/v1/customers/export", headers=admin), retry_after=20, policy="bulk"
    )


async def test_a_body_over_the_limit_is_refused_with_413(client: httpx.AsyncClient) -> None:
    huge = {"kind": "individual", "name": "A" * 5000}
    response = await client.post("/v1/customers", json=huge, headers=bearer(token_for("admin")))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_huge_page_size_is_capped(client: httpx.AsyncClient) -> None:
    admin = bearer(token_for("admin"))
    response = await client.get("/v1/customers", params={"limit": 10**9}, headers=admin)
    assert response.status_code == 200
    assert response.json()["limit"] == 200  # CRM_PAGE_SIZE_MAX
    zero = await client.get("/v1/customers", params={"limit": 0}, headers=admin)
    assert zero.status_code == 422


async def test_the_openapi_documents_429_and_the_headers(customer_app: FastAPI) -> None:
    operation = customer_app.openapi()["paths"]["/v1/customers"]["get"]
    too_many = operation["responses"]["429"]
    assert too_many["content"]["application/problem+json"]
    assert set(too_many["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy"}
    assert set(operation["responses"]["200"]["headers"]) == {"RateLimit", "RateLimit-Policy"}
    creating = customer_app.openapi()["paths"]["/v1/customers"]["post"]["responses"]
    assert {"413", "429"} <= set(creating)


async def test_the_token_endpoint_limits_each_client_id(tmp_path: Path) -> None:
    settings = IdentitySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}",
        data_dir=tmp_path,
        token_rate_limit_per_minute=2,
    )
    app = create_identity_app(settings, run_bus=False, clock=FakeClock())
    async with (
        app.router.lifespan_context(app),
        app_client(app, "http://identity", test_tokens=False) as http,
    ):

        async def guess(client_id: str) -> httpx.Response:
            form = {"grant_type": "client_credentials", "client_id": client_id}
            return await http.post("/v1/oauth/token", data={**form, "client_secret": "guess"})

        assert [(await guess("victim")).status_code for _ in "ab"] == [401, 401]
        refused = await guess("victim")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "30"
        assert refused.headers["RateLimit-Policy"] == '"token";q=2;w=60'
        assert (await guess("someone-else")).status_code == 401
