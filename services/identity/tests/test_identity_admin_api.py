"""The admin API: who may call it, the shared conventions (pages, ETag, If-Match,
Idempotency-Key), partner secrets shown once and stored hashed, and the events published."""

import httpx
import pytest
from crm_identity.hashing import verify_secret
from crm_shared.contracts.identity import UserChanged, UserCreated
from crm_shared.testing import FakeClock
from fastapi import FastAPI

from services.identity.tests.identity_helpers import (
    ADMIN_EMAIL,
    client_row,
    make_partner,
    make_user,
    outbox_events,
    password_token,
)

ADMIN_ROUTES = [
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("GET", "/v1/users/x"),
    ("PATCH", "/v1/users/x"),
    ("GET", "/v1/teams"),
    ("POST", "/v1/teams"),
    ("GET", "/v1/clients"),
    ("POST", "/v1/clients"),
    ("PATCH", "/v1/clients/x"),
    ("POST", "/v1/clients/x/revoke"),
    ("POST", "/v1/clients/x/secret"),
    ("GET", "/v1/keys"),
    ("POST", "/v1/keys/rotate"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_admin_routes_need_a_token(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="crm"'
    garbage = await client.request(method, path, headers={"Authorization": "Bearer abc.def.ghi"})
    assert garbage.status_code == 401
    assert 'error="invalid_token"' in garbage.headers["www-authenticate"]


async def test_a_sales_token_is_forbidden_and_an_admin_token_allowed(
    admin: httpx.AsyncClient,
) -> None:
    await make_user(admin, "rep@example.com", "rep-password-long", role="sales")
    sales = await password_token(admin, "rep@example.com", "rep-password-long")
    for method, path in ADMIN_ROUTES:
        response = await admin.request(
            method, path, json={}, headers={"Authorization": f"Bearer {sales}"}
        )
        assert response.status_code == 403, (method, path)
        assert response.json()["type"].endswith("/forbidden")
    assert (await admin.get("/v1/users")).status_code == 200


async def test_users_crud_with_pages_etags_and_if_match(
    admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.advance(seconds=1)  # the list is in creation order: after the bootstrap admin
    team = await admin.post("/v1/teams", json={"name": "North"})
    assert team.status_code == 201, team.text
    body = {
        "email": "Ann@Example.com",
        "name": "Ann",
        "role": "marketing",
        "team_id": team.json()["id"],
        "password": "ann-password-long",
    }
    created = await admin.post("/v1/users", json=body, headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "ann@example.com"
    assert "password" not in user
    assert "password_hash" not in user
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/users/{user['id']}"
    replay = await admin.post("/v1/users", json=body, headers={"Idempotency-Key": "k1"})
    assert replay.headers["idempotency-replayed"] == "true"
    assert replay.json()["id"] == user["id"]
    duplicate = await admin.post("/v1/users", json=body)
    assert duplicate.status_code == 409

    page = await admin.get("/v1/users", params={"limit": 1, "total": "true"})
    assert page.json()["total"] == 2
    assert page.json()["items"][0]["email"] == ADMIN_EMAIL
    following = await admin.get("/v1/users", params={"cursor": page.json()["next_cursor"]})
    assert [item["id"] for item in following.json()["items"]] == [user["id"]]

    got = await admin.get(f"/v1/users/{user['id']}")
    assert got.headers["etag"] == '"1"'
    missing = await admin.patch(f"/v1/users/{user['id']}", json={"role": "analyst"})
    assert missing.status_code == 428
    stale = await admin.patch(
        f"/v1/users/{user['id']}", json={"role": "analyst"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    changed = await admin.patch(
        f"/v1/users/{user['id']}", json={"role": "analyst"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.headers["etag"]) == ("analyst", '"2"')
    assert (await admin.get("/v1/users/nobody")).status_code == 404
    bad_team = await admin.post(
        "/v1/users", json={"email": "b@example.com", "name": "B", "role": "sales", "team_id": "x"}
    )
    assert bad_team.status_code == 422


async def test_teams_have_a_manager_who_exists(admin: httpx.AsyncClient) -> None:
    me = (await admin.get("/v1/users")).json()["items"][0]["id"]
    team = await admin.post("/v1/teams", json={"name": "South", "manager_id": me})
    assert team.status_code == 201, team.text
    assert team.json()["manager_id"] == me
    unknown = await admin.patch(
        f"/v1/teams/{team.json()['id']}", json={"manager_id": "nobody"}, headers={"If-Match": "*"}
    )
    assert unknown.status_code == 422
    renamed = await admin.patch(
        f"/v1/teams/{team.json()['id']}", json={"name": "South-East"}, headers={"If-Match": '"1"'}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "South-East"
    assert (await admin.post("/v1/teams", json={"name": "South-East"})).status_code == 409


async def test_a_partner_secret_is_shown_once_and_stored_hashed(
    admin: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    partner = await make_partner(
        admin, ["customers:read", "events:read"], rate_limit_per_minute=120
    )
    secret = partner["client_secret"]
    assert len(secret) >= 40
    assert partner["rate_limit_per_minute"] == 120
    row = await client_row(identity_app, partner["client_id"])
    assert secret not in row.secret_hash
    assert row.secret_hash.startswith("scrypt$")
    assert verify_secret(secret, row.secret_hash)
    assert not verify_secret(secret + "x", row.secret_hash)

    got = await admin.get(f"/v1/clients/{partner['client_id']}")
    listed = await admin.get("/v1/clients")
    for text in (got.text, listed.text):
        assert secret not in text
        assert "secret" not in text
    assert got.json()["scopes"] == ["customers:read", "events:read"]
    bad_scope = await admin.post(
        "/v1/clients", json={"name": "P", "scopes": ["Everything"], "owner_id": partner["owner_id"]}
    )
    assert bad_scope.status_code == 422


async def test_user_events_are_published_without_password_material(
    admin: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    user = await make_user(admin, "eve@example.com", "eve-password-long", role="support")
    await admin.patch(
        f"/v1/users/{user['id']}", json={"password": "eve-new-password"}, headers={"If-Match": "*"}
    )
    await admin.patch(f"/v1/users/{user['id']}", json={"name": "Eve B"}, headers={"If-Match": "*"})
    events = await outbox_events(identity_app)
    types = [type_ for type_, *_ in events]
    # The bootstrap admin, then Eve; the password change publishes nothing.
    assert types == [
        "crm.identity.user_created.v1",
        "crm.identity.user_created.v1",
        "crm.identity.user_changed.v1",
    ]
    _, key, _, payload = events[1]
    assert key == user["id"]
    assert isinstance(payload, UserCreated)
    assert payload.user.email == "eve@example.com"
    changed = events[2][3]
    assert isinstance(changed, UserChanged)
    assert changed.changed_fields == ["name"]
    assert changed.user_version == 3
    for _, _, raw, _ in events:
        assert "password" not in str(raw)
        assert "scrypt" not in str(raw)


async def test_team_events_are_keyed_by_team(
    admin: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    team = (await admin.post("/v1/teams", json={"name": "West"})).json()
    await admin.patch(
        f"/v1/teams/{team['id']}", json={"name": "Far West"}, headers={"If-Match": "*"}
    )
    events = [(t, k) for t, k, _, _ in await outbox_events(identity_app) if "team" in t]
    assert events == [
        ("crm.identity.team_created.v1", team["id"]),
        ("crm.identity.team_changed.v1", team["id"]),
    ]
