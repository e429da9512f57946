"""Helpers of the identity tests: tokens, JWKS keys, outbox events."""

from typing import Any

import httpx
import jwt
from crm_identity.models import PartnerClient, platform_tables
from crm_identity.sealing import SecretSealer
from crm_identity.web import SEALER_STATE
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent, parse_payload
from fastapi import FastAPI
from sqlalchemy import select

ADMIN_EMAIL = "admin@localhost"
ADMIN_PASSWORD = "a-long-test-admin-password"
ISSUER = "http://127.0.0.1:8006"
AUDIENCE = "crm"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def password_token(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post(
        "/v1/oauth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def client_token_response(
    client: httpx.AsyncClient, client_id: str, secret: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            **extra,
        },
        headers={"Authorization": ""},
    )


async def jwks_of(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def decode_with_jwks(
    client: httpx.AsyncClient, token: str, *, verify_times: bool = True
) -> dict[str, Any]:
    """Verify ``token`` as any resource server would: PyJWT, a key built from the JWKS."""
    kid = jwt.get_unverified_header(token)["kid"]
    entry = next(key for key in (await jwks_of(client))["keys"] if key["kid"] == kid)
    key = jwt.PyJWK(entry)
    claims: dict[str, Any] = jwt.decode(
        token,
        key=key.key,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": verify_times, "verify_iat": False, "verify_nbf": False},
    )
    return claims


async def make_user(
    admin: httpx.AsyncClient, email: str, password: str, role: str = "sales", **extra: Any
) -> dict[str, Any]:
    """A user created by the admin (name from the e-mail), who can sign in with ``password``."""
    body = {"email": email, "name": email.split("@")[0].title(), "role": role}
    response = await admin.post("/v1/users", json={**body, "password": password, **extra})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def make_partner(admin: httpx.AsyncClient, scopes: list[str], **extra: Any) -> dict[str, Any]:
    me = (await admin.get("/v1/users")).json()["items"][0]["id"]
    response = await admin.post(
        "/v1/clients", json={"name": "Partner", "scopes": scopes, "owner_id": me, **extra}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def sealer_of(app: FastAPI) -> SecretSealer:
    """The app's own sealer (its secrets key)."""
    sealer = getattr(app.state, SEALER_STATE)
    assert isinstance(sealer, SecretSealer)
    return sealer


async def client_row(app: FastAPI, client_id: str) -> PartnerClient:
    async with app.state.runtime.session_factory() as session:
        row = await session.get(PartnerClient, client_id)
    assert row is not None
    return row


async def outbox_events(app: FastAPI) -> list[tuple[str, str, dict[str, Any], IntegrationEvent]]:
    """Every outbox row as (event type, key, raw data, validated payload), in write order."""
    outbox = platform_tables.outbox
    async with app.state.runtime.session_factory() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.id))).all()
    events = []
    for row in rows:
        envelope = CloudEvent.from_json(row.payload)
        assert row.topic == "crm.identity"
        events.append((row.event_type, row.key, envelope.data, parse_payload(envelope)))
    return events
