"""Who may call what, walked for every route of every service (OWASP API1 and API5: object
and function level authorisation; API2: broken authentication).

Every route declares its permission (``crm_shared.api.auth.requires``) or is public on
purpose (``public()``, or one of the few operational paths); a route without either fails
here. Then every declared route is called by every role and by a partner client without
scopes: the callers the table in ``crm_shared.auth.permissions`` (the README's "Who may call
what") grants get past the check, every other one gets 403, and nobody gets in without a
valid token.
"""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from crm_shared.api.auth import PUBLIC, api_routes, declared_permission
from crm_shared.auth.permissions import ROLE_PERMISSIONS, Permission
from crm_shared.contracts.identity import Role
from crm_shared.testing import app_client, bearer, token_for
from crm_shared.testing.auth import AUDIENCE, ISSUER, KID
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

# Served to anyone by design: health, metrics and the API's own documentation.
OPERATIONAL = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"}


@pytest.fixture
def app(each_service_app: FastAPI) -> FastAPI:
    return each_service_app


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    undeclared = [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(app)
        if route.path not in OPERATIONAL and declared_permission(route) is None
    ]
    assert undeclared == []


def concrete(path: str) -> str:
    """The path with every parameter filled with a UUID (ids are UUIDs on every service)."""
    parts = [str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


async def call(client: httpx.AsyncClient, method: str, path: str, token: str | None) -> int:
    headers = {"If-Match": "*", **(bearer(token) if token else {})}
    response = await client.request(method, concrete(path), headers=headers, json={})
    return response.status_code


CALLERS: list[tuple[str, str, frozenset[Permission]]] = [
    *[(role.value, token_for(role.value), ROLE_PERMISSIONS[role]) for role in Role],
    ("a partner with no scopes", token_for(client_id="partner-0"), frozenset()),
    (
        "a partner that may read customers",
        token_for(client_id="partner-1", scopes=("customers:read",)),
        frozenset({Permission.CUSTOMERS_READ}),
    ),
]


async def test_each_caller_passes_exactly_the_checks_the_table_grants(app: FastAPI) -> None:
    checked = 0
    async with app_client(app, role=None) as client:
        for route in api_routes(app):
            permission = declared_permission(route)
            if permission in (None, PUBLIC):
                continue
            for method in sorted(route.methods - {"HEAD"}):
                assert await call(client, method, route.path, None) == 401, route.path
                for caller, token, granted in CALLERS:
                    status = await call(client, method, route.path, token)
                    if Permission(permission) in granted:
                        assert status not in (401, 403), (caller, method, route.path)
                    else:
                        assert status == 403, (caller, method, route.path, status)
                    checked += 1
    assert checked > 0


def forged(**changes: Any) -> str:
    """A token like the issuer's but for ``changes``; ``key`` signs it with another key."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "someone",
        "role": "admin",
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    key = changes.pop("key", None)
    claims.update(changes)
    if key is None:
        return token_for("admin", **changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def unsigned() -> str:
    """``alg: none`` (RFC 7519 §6): no signature at all."""
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "role": "admin", "jti": "j"}
    claims |= {"iat": now, "nbf": now, "exp": now + 300}
    return jwt.encode(claims, None, algorithm="none", headers={"kid": KID})


BAD_TOKENS = {
    "expired": lambda: token_for("admin", now=datetime.now(UTC) - timedelta(hours=2)),
    "not yet valid": lambda: token_for("admin", nbf=int(datetime.now(UTC).timestamp()) + 3600),
    "another audience": lambda: token_for("admin", aud="somebody-else"),
    "another issuer": lambda: token_for("admin", iss="http://evil.test"),
    "another key": lambda: forged(
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ),
    "alg none": unsigned,
    "not a JWT": lambda: "not-a-token",
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
async def test_a_token_that_does_not_verify_is_401_with_a_challenge(
    app: FastAPI, kind: str
) -> None:
    route = next(r for r in api_routes(app) if declared_permission(r) not in (None, PUBLIC))
    async with app_client(app, role=None) as client:
        headers = {"If-Match": "*", **bearer(BAD_TOKENS[kind]())}
        method = sorted(route.methods)[0]
        response = await client.request(method, concrete(route.path), headers=headers, json={})
    assert response.status_code == 401, (kind, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer ")


def test_the_readme_table_is_the_one_enforced() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    roles = [role.value for role in Role]
    names = {f"`{permission.value}`" for permission in Permission}
    rows = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in names and len(cells) == len(roles) + 2:
            marks = cells[1 : len(roles) + 1]
            rows[cells[0].strip("`")] = {r for r, mark in zip(roles, marks, strict=True) if mark}
    expected = {
        permission.value: {role.value for role in Role if permission in ROLE_PERMISSIONS[role]}
        for permission in Permission
    }
    assert rows == expected
