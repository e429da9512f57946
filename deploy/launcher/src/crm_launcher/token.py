"""``crm token``: a bearer token for the running embedded system (a development convenience,
like the password grant it uses).

``--role admin`` (the default) signs in as the bootstrap admin, whose password the identity
service generated into the data folder. Another role, or ``--user NAME``, signs in as a
development user ``<name>@crm.example.com`` (the name defaults to the role), created on first
use by the admin with a generated password kept next to the admin's (mode 0600), so the same
person comes back each time. ``--team TEAM`` puts them in that team (created on first use),
and ``--manager`` makes them its manager, for trying out what a rep and their manager see.
"""

import base64
import json
import os
import secrets
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from crm_launcher.services import service_endpoint

ADMIN_EMAIL = "admin@localhost"
ADMIN_PASSWORD_FILE = "identity-admin-password"


class TokenError(RuntimeError):
    pass


def _read_secret(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise TokenError(
            f"{path} does not exist: start the system with `./crm up` first (the identity "
            "service writes the admin's password there on a development machine)"
        ) from None


def _write_secret(path: Path, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")


async def _password_token(http: httpx.AsyncClient, base: str, email: str, password: str) -> str:
    response = await http.post(
        f"{base}/v1/oauth/token",
        data={"grant_type": "password", "username": email, "password": password},
    )
    if response.status_code != 200:
        raise TokenError(f"the identity service refused the sign-in: {response.text[:300]}")
    token: str = response.json()["access_token"]
    return token


async def _ensure_user(
    http: httpx.AsyncClient, base: str, admin: dict[str, str], name: str, role: str, data_dir: Path
) -> tuple[str, str]:
    email = f"{name}@crm.example.com"
    secret_file = data_dir / f"identity-{name}-password"
    if secret_file.exists():
        return email, _read_secret(secret_file)
    password = secrets.token_urlsafe(18)
    response = await http.post(
        f"{base}/v1/users",
        json={"email": email, "name": f"Development {name}", "role": role, "password": password},
        headers=admin,
    )
    if response.status_code != 201:
        raise TokenError(f"cannot create the user {email}: {response.text[:300]}")
    _write_secret(secret_file, password)
    return email, password


async def _pages(http: httpx.AsyncClient, url: str, admin: dict[str, str]) -> AsyncIterator[Any]:
    cursor = ""
    while True:
        page = (await http.get(url, params={"cursor": cursor}, headers=admin)).json()
        for item in page["items"]:
            yield item
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return


async def _ensure_team(http: httpx.AsyncClient, base: str, admin: dict[str, str], name: str) -> str:
    async for team in _pages(http, f"{base}/v1/teams", admin):
        if team["name"] == name:
            return str(team["id"])
    response = await http.post(f"{base}/v1/teams", json={"name": name}, headers=admin)
    if response.status_code != 201:
        raise TokenError(f"cannot create the team {name!r}: {response.text[:300]}")
    return str(response.json()["id"])


async def _patch(http: httpx.AsyncClient, url: str, admin: dict[str, str], body: Any) -> None:
    """Change a record with the If-Match its current version needs."""
    current = await http.get(url, headers=admin)
    response = await http.patch(
        url, json=body, headers={**admin, "If-Match": current.headers["etag"]}
    )
    if response.status_code != 200:
        raise TokenError(f"cannot change {url}: {response.text[:300]}")


def subject_of(token: str) -> str:
    """The token's ``sub`` (the user id), read without checking: we were just given it."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


async def fetch_token(
    env: Mapping[str, str],
    data_dir: Path,
    role: str = "admin",
    *,
    user: str | None = None,
    team: str | None = None,
    manager: bool = False,
) -> str:
    base = service_endpoint("identity", env, data_dir).base_url
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            admin_token = await _password_token(
                http, base, ADMIN_EMAIL, _read_secret(data_dir / ADMIN_PASSWORD_FILE)
            )
            if role == "admin" and user is None and team is None:
                return admin_token
            admin = {"Authorization": f"Bearer {admin_token}"}
            name = user or role
            email, password = await _ensure_user(http, base, admin, name, role, data_dir)
            token = await _password_token(http, base, email, password)
            if team is None:
                return token
            user_id = subject_of(token)
            team_id = await _ensure_team(http, base, admin, team)
            await _patch(http, f"{base}/v1/users/{user_id}", admin, {"team_id": team_id})
            if manager:
                await _patch(http, f"{base}/v1/teams/{team_id}", admin, {"manager_id": user_id})
            return await _password_token(http, base, email, password)  # with its team
        except httpx.TransportError as error:
            raise TokenError(f"the identity service does not answer at {base}: {error}") from None
