"""The token endpoint (RFC 6749), the JWKS (RFC 7517) and the discovery document."""

import base64
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from crm_identity.app import create_app
from crm_identity.settings import IdentitySettings
from crm_shared.testing import FakeClock, app_client

from services.identity.tests.identity_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AUDIENCE,
    FORM,
    ISSUER,
    client_token_response,
    decode_with_jwks,
    jwks_of,
    make_partner,
    make_user,
)

SCOPES = ["customers:read", "customers:write", "events:read"]


async def test_client_credentials_issue_a_token_that_verifies_against_the_jwks(
    admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    partner = await make_partner(admin, SCOPES, rate_limit_per_minute=120)
    response = await client_token_response(admin, partner["client_id"], partner["client_secret"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 60 * 60
    assert body["scope"] == " ".join(SCOPES)
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in (await jwks_of(admin))["keys"]}
    claims = await decode_with_jwks(admin, body["access_token"], verify_times=False)
    now = int(clock.now().timestamp())
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == f"client:{partner['client_id']}"
    assert claims["client_id"] == partner["client_id"]
    assert claims["role"] == "partner"
    assert claims["scope"] == " ".join(SCOPES)
    assert claims["rate_limit_per_minute"] == 120  # every service enforces it from the token
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (now, now, now + 3600)
    assert claims["jti"]


async def test_http_basic_authenticates_the_client(admin: httpx.AsyncClient) -> None:
    partner = await make_partner(admin, SCOPES)
    basic = base64.b64encode(f"{partner['client_id']}:{partner['client_secret']}".encode())
    response = await admin.post(
        "/v1/oauth/token",
        content="grant_type=client_credentials",
        headers={**FORM, "Authorization": f"Basic {basic.decode()}"},
    )
    assert response.status_code == 200, response.text

    wrong = base64.b64encode(f"{partner['client_id']}:nope".encode()).decode()
    response = await admin.post(
        "/v1/oauth/token",
        content="grant_type=client_credentials",
        headers={**FORM, "Authorization": f"Basic {wrong}"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_scope_narrows_to_a_subset_and_never_widens(admin: httpx.AsyncClient) -> None:
    partner = await make_partner(admin, SCOPES)
    narrowed = await client_token_response(
        admin, partner["client_id"], partner["client_secret"], scope="customers:read"
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "customers:read"
    claims = await decode_with_jwks(admin, narrowed.json()["access_token"], verify_times=False)
    assert claims["scope"] == "customers:read"

    wider = await client_token_response(
        admin, partner["client_id"], partner["client_secret"], scope="customers:read admin:all"
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


async def test_wrong_secret_and_unknown_client_are_invalid_client(
    admin: httpx.AsyncClient,
) -> None:
    partner = await make_partner(admin, SCOPES)
    for client_id, secret in ((partner["client_id"], "wrong"), ("cl_unknown", "whatever")):
        response = await client_token_response(admin, client_id, secret)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()


async def test_a_revoked_client_gets_no_token(admin: httpx.AsyncClient) -> None:
    partner = await make_partner(admin, SCOPES)
    revoked = await admin.post(
        f"/v1/clients/{partner['client_id']}/revoke", headers={"If-Match": '"1"'}
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    response = await client_token_response(admin, partner["client_id"], partner["client_secret"])
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "client authentication failed",
    }


async def test_a_rotated_secret_replaces_the_old_one(admin: httpx.AsyncClient) -> None:
    partner = await make_partner(admin, SCOPES)
    rotated = await admin.post(
        f"/v1/clients/{partner['client_id']}/secret", headers={"If-Match": '"1"'}
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret != partner["client_secret"]
    old = await client_token_response(admin, partner["client_id"], partner["client_secret"])
    assert old.status_code == 401
    new = await client_token_response(admin, partner["client_id"], new_secret)
    assert new.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ("grant_type=authorization_code&code=x", 400, "unsupported_grant_type"),
        ("grant_type=implicit", 400, "unsupported_grant_type"),
        ("client_id=x&client_secret=y", 400, "invalid_request"),
        ("grant_type=client_credentials", 401, "invalid_client"),
        ("grant_type=password&username=admin@localhost", 400, "invalid_request"),
    ],
)
async def test_bad_token_requests_answer_rfc_6749_errors(
    client: httpx.AsyncClient, form: str, status: int, error: str
) -> None:
    response = await client.post("/v1/oauth/token", content=form, headers=FORM)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_the_token_endpoint_reads_only_forms(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/oauth/token", json={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_password_grant_gives_a_person_a_short_token(
    admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    team = (await admin.post("/v1/teams", json={"name": "North"})).json()
    rep = await make_user(admin, "rep@example.com", "rep-password-long", team_id=team["id"])
    response = await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "password",
            "username": "REP@example.com",
            "password": "rep-password-long",
        },
        headers={"Authorization": ""},
    )
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 15 * 60
    claims = await decode_with_jwks(client, response.json()["access_token"], verify_times=False)
    assert claims["sub"] == rep["id"]
    assert claims["role"] == "sales"
    assert claims["team"] == team["id"]
    assert "client_id" not in claims

    wrong = await client.post(
        "/v1/oauth/token",
        data={"grant_type": "password", "username": "rep@example.com", "password": "nope"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


async def test_a_managers_token_names_the_teams_they_manage(
    admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    boss = await make_user(admin, "boss@example.com", "boss-password-long")
    north = (await admin.post("/v1/teams", json={"name": "North", "manager_id": boss["id"]})).json()
    south = (await admin.post("/v1/teams", json={"name": "South", "manager_id": boss["id"]})).json()
    await admin.post("/v1/teams", json={"name": "East"})
    response = await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "password",
            "username": "boss@example.com",
            "password": "boss-password-long",
        },
    )
    assert response.status_code == 200, response.text
    claims = await decode_with_jwks(client, response.json()["access_token"], verify_times=False)
    assert claims["manages"] == sorted([north["id"], south["id"]])

    rep = await make_user(admin, "plain@example.com", "plain-password-long")
    response = await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "password",
            "username": "plain@example.com",
            "password": "plain-password-long",
        },
    )
    claims = await decode_with_jwks(client, response.json()["access_token"], verify_times=False)
    assert claims["sub"] == rep["id"]
    assert "manages" not in claims  # manages no team: no claim


async def test_an_inactive_user_gets_no_token(admin: httpx.AsyncClient) -> None:
    user = await make_user(admin, "gone@example.com", "gone-password-long", role="support")
    patched = await admin.patch(
        f"/v1/users/{user['id']}", json={"active": False}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    response = await admin.post(
        "/v1/oauth/token",
        data={
            "grant_type": "password",
            "username": "gone@example.com",
            "password": "gone-password-long",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_password_grant_can_be_turned_off(
    identity_settings: IdentitySettings, tmp_path: Path
) -> None:
    settings = identity_settings.model_copy(update={"password_grant_enabled": False})
    app = create_app(settings, run_bus=False, clock=FakeClock())
    async with app.router.lifespan_context(app), app_client(app, test_tokens=False) as http:
        response = await http.post(
            "/v1/oauth/token",
            data={"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"
        discovery = (await http.get("/.well-known/openid-configuration")).json()
        assert discovery["grant_types_supported"] == ["client_credentials"]


async def test_jwks_and_discovery_publish_only_public_material(client: httpx.AsyncClient) -> None:
    document = await jwks_of(client)
    assert len(document["keys"]) == 1
    (key,) = document["keys"]
    assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    discovery = await client.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    assert discovery.json()["issuer"] == ISSUER
    assert discovery.json()["token_endpoint"] == f"{ISSUER}/v1/oauth/token"
    assert discovery.json()["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert "PRIVATE" not in discovery.text + str(document)


async def test_token_lifetime_follows_the_clock(admin: httpx.AsyncClient, clock: FakeClock) -> None:
    partner = await make_partner(admin, SCOPES)
    clock.advance(timedelta(days=3))
    response = await client_token_response(admin, partner["client_id"], partner["client_secret"])
    claims = await decode_with_jwks(admin, response.json()["access_token"], verify_times=False)
    assert claims["iat"] == int(clock.now().timestamp())
