"""``crm token``: a bearer token for the running embedded system (a development convenience,
like the password grant it uses).

``--role admin`` (the default) signs in as the bootstrap admin, whose password the identity
service generated into the data folder. Another role signs in as a development user
``<role>@crm.example.com``, created on first use by the admin with a generated password kept
next to the admin's (mode 0600), so the same person comes back each time.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

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
    http: httpx.AsyncClient, base: str, admin_token: str, role: str, data_dir: Path
) -> tuple[str, str]:
    email = f"{role}@crm.example.com"
    secret_file = data_dir / f"identity-{role}-password"
    if secret_file.exists():
        return email, _read_secret(secret_file)
    password = secrets.token_urlsafe(18)
    response = await http.post(
        f"{base}/v1/users",
        json={"email": email, "name": f"Development {role}", "role": role, "password": password},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    if response.status_code != 201:
        raise TokenError(f"cannot create the {role} user {email}: {response.text[:300]}")
    _write_secret(secret_file, password)
    return email, password


async def fetch_token(env: Mapping[str, str], data_dir: Path, role: str = "admin") -> str:
    base = service_endpoint("identity", env, data_dir).base_url
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            admin = await _password_token(
                http, base, ADMIN_EMAIL, _read_secret(data_dir / ADMIN_PASSWORD_FILE)
            )
            if role == "admin":
                return admin
            email, password = await _ensure_user(http, base, admin, role, data_dir)
            return await _password_token(http, base, email, password)
        except httpx.TransportError as error:
            raise TokenError(f"the identity service does not answer at {base}: {error}") from None
