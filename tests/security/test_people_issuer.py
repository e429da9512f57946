"""People's tokens from an external OpenID Connect provider (Keycloak in production) beside
the identity service's: each issuer's tokens are checked with its own keys, and the people's
provider cannot mint partner-client tokens."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from crm_shared.settings import ServiceSettings
from crm_shared.testing import app_client, bearer, token_for
from crm_shared.testing.auth import AUDIENCE, ISSUER, signing_jwks
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from pydantic import ValidationError

from tests.integration.platform import service_app, service_settings

KEYCLOAK = "http://keycloak.test/realms/crm"
KEYCLOAK_KID = "keycloak-key"
KEYCLOAK_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def keycloak_token(key: Any = KEYCLOAK_KEY, **claims: Any) -> str:
    now = datetime.now(UTC)
    body = {
        "iss": KEYCLOAK,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": str(uuid.uuid4()),
        "scope": "openid profile",
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": KEYCLOAK_KID})


@pytest.fixture
async def customer(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    ours, theirs = tmp_path / "identity.json", tmp_path / "keycloak.json"
    ours.write_text(json.dumps(signing_jwks()))
    public = json.loads(RSAAlgorithm.to_jwk(KEYCLOAK_KEY.public_key()))
    theirs.write_text(json.dumps({"keys": [{**public, "kid": KEYCLOAK_KID, "use": "sig"}]}))
    settings = service_settings(
        "customer",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'customer.db'}",
        data_dir=tmp_path,
        auth_issuer=ISSUER,
        auth_jwks_url=f"file://{ours}",
        auth_people_issuer=KEYCLOAK,
        auth_people_jwks_url=f"file://{theirs}",
    )
    app: FastAPI = service_app("customer", settings, run_bus=False)
    async with (
        app.router.lifespan_context(app),
        app_client(app, "http://customer", role=None, test_tokens=False) as http,
    ):
        yield http


async def test_both_issuers_tokens_are_accepted(customer: httpx.AsyncClient) -> None:
    person = await customer.get("/v1/customers", headers=bearer(keycloak_token(role="sales")))
    assert person.status_code == 200, person.text
    partner = token_for(client_id="partner", scopes=("customers:read",))
    assert (await customer.get("/v1/customers", headers=bearer(partner))).status_code == 200


async def test_the_peoples_provider_is_held_to_its_own_keys_and_to_people(
    customer: httpx.AsyncClient,
) -> None:
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token in (
        keycloak_token(forged, role="admin"),  # claims Keycloak, signed by someone else
        keycloak_token(role="admin", client_id="partner", scope="customers:read"),
        keycloak_token(role="admin", iss="http://elsewhere.test"),
        keycloak_token(role="admin", aud="another-api"),
    ):
        answer = await customer.get("/v1/customers", headers=bearer(token))
        assert answer.status_code == 401, answer.text


def test_a_peoples_issuer_needs_its_keys() -> None:
    with pytest.raises(ValidationError, match="CRM_AUTH_PEOPLE_JWKS_URL"):
        ServiceSettings(service_name="customer", auth_people_issuer=KEYCLOAK)
