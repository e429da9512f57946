"""Secrets at rest: the signing keys' private PEM and the webhook signing secrets are stored
sealed with the secrets key; rows from before (in clear) are sealed at the next start; a
service given another key refuses to start; a rotation reseals every row with the new key
while the old one still unseals."""

import base64
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from crm_identity.app import MIGRATIONS, create_app
from crm_identity.models import WebhookSubscription
from crm_identity.sealing import SecretSealer, UnreadableSecretError, key_id, new_key
from crm_identity.settings import IdentitySettings
from crm_identity.webhooks.service import signing_secret
from crm_shared.db import create_engine
from crm_shared.testing import FakeClock, app_client
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

from services.identity.tests.identity_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    client_token_response,
    decode_with_jwks,
    jwks_of,
    make_partner,
    password_token,
    sealer_of,
)

HOOK_URL = "http://127.0.0.1:9/hooks"


@asynccontextmanager
async def running(settings: IdentitySettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The service started on ``settings``, and a client holding the admin's token."""
    app = create_app(settings, run_bus=False, clock=FakeClock())
    async with (
        app.router.lifespan_context(app),
        app_client(app, "http://identity", test_tokens=False) as http,
    ):
        token = await password_token(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        http.headers["Authorization"] = f"Bearer {token}"
        yield app, http


def with_keys(settings: IdentitySettings, *keys: str) -> IdentitySettings:
    return settings.model_copy(update={"secrets_keys": SecretStr(",".join(keys))})


async def subscribe(admin: httpx.AsyncClient) -> dict[str, Any]:
    """A partner client's webhook subscription (made by the admin), its secret included."""
    partner = await make_partner(admin, ["customers:read", "webhooks:manage"])
    response = await admin.post(
        "/v1/webhooks/subscriptions",
        json={
            "url": HOOK_URL,
            "event_types": ["crm.customer.*"],
            "client_id": partner["client_id"],
        },
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return {**created, "partner": partner}


async def partner_token(admin: httpx.AsyncClient, partner: dict[str, Any]) -> str:
    response = await client_token_response(admin, partner["client_id"], partner["client_secret"])
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def stored(app: FastAPI, sql: str) -> list[str]:
    """One column of every row, read with plain SQL: what is on the disk."""
    async with app.state.runtime.session_factory() as session:
        return [str(value) for value in (await session.scalars(text(sql))).all()]


async def stored_secrets(app: FastAPI) -> list[str]:
    keys = await stored(app, "SELECT sealed_private_key FROM signing_keys")
    return keys + await stored(app, "SELECT sealed_secret FROM webhook_subscriptions")


async def subscription_row(app: FastAPI, subscription_id: str) -> WebhookSubscription:
    async with app.state.runtime.session_factory() as session:
        row = await session.get(WebhookSubscription, subscription_id)
    assert row is not None
    return row


async def test_the_database_holds_the_secrets_sealed_and_they_still_work(
    admin: httpx.AsyncClient, identity_app: FastAPI, identity_settings: IdentitySettings
) -> None:
    subscription = await subscribe(admin)
    secret = subscription["secret"]
    token = await partner_token(admin, subscription["partner"])
    prefix = sealer_of(identity_app).current_prefix

    rows = await stored_secrets(identity_app)
    assert len(rows) == 2
    for value in rows:
        assert value.startswith(prefix)
        assert "PRIVATE KEY" not in value
        assert "whsec_" not in value
        assert secret.removeprefix("whsec_") not in value
    # Tokens still verify against the published key; the secret unseals to the one shown.
    claims = await decode_with_jwks(admin, token, verify_times=False)
    assert claims["client_id"] == subscription["partner"]["client_id"]
    row = await subscription_row(identity_app, subscription["id"])
    assert signing_secret(row, sealer_of(identity_app)) == secret
    if identity_settings.database_url.startswith("sqlite"):  # nothing in clear in the files
        database = Path(make_url(identity_settings.database_url).database or "")
        on_disk = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert secret.encode() not in on_disk
        assert b"PRIVATE KEY" not in on_disk


def _downgrade_to_0003(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.downgrade(config, "0003")


async def test_rows_in_clear_from_before_are_sealed_by_the_upgrade_and_the_next_start(
    identity_settings: IdentitySettings,
) -> None:
    async with running(identity_settings) as (app, admin):
        subscription = await subscribe(admin)
        token = await partner_token(admin, subscription["partner"])
        keys_before = await jwks_of(admin)
        sealer = sealer_of(app)
        (sealed_key,) = await stored(app, "SELECT sealed_private_key FROM signing_keys")
        pem = sealer.unseal(sealed_key, "the signing key")
    # The database as release 0003 left it: the same columns, the values in clear.
    engine = create_engine(identity_settings.database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_0003)
            await connection.execute(
                text("UPDATE signing_keys SET private_key_pem = :v"), {"v": pem}
            )
            await connection.execute(
                text("UPDATE webhook_subscriptions SET secret = :v"), {"v": subscription["secret"]}
            )
    finally:
        await engine.dispose()

    async with running(identity_settings) as (app, admin):
        for value in await stored_secrets(app):
            assert value.startswith(sealer_of(app).current_prefix)
            assert "PRIVATE KEY" not in value
            assert "whsec_" not in value
        assert await jwks_of(admin) == keys_before  # the same key signs
        await decode_with_jwks(admin, token, verify_times=False)
        row = await subscription_row(app, subscription["id"])
        assert signing_secret(row, sealer_of(app)) == subscription["secret"]


async def test_a_service_given_another_key_refuses_to_start(
    identity_settings: IdentitySettings,
) -> None:
    first, other = new_key(), new_key()
    async with running(with_keys(identity_settings, first)) as (_, admin):
        await subscribe(admin)
    stranger = create_app(with_keys(identity_settings, other), run_bus=False, clock=FakeClock())
    with pytest.raises(UnreadableSecretError) as refused:
        async with stranger.router.lifespan_context(stranger):
            pass  # never reached
    first_id = key_id(base64.urlsafe_b64decode(first))
    assert f"sealed with the secrets key {first_id}" in str(refused.value)
    assert "CRM_IDENTITY_SECRETS_KEYS" in str(refused.value)
    assert first not in str(refused.value)
    assert other not in str(refused.value)


async def test_a_rotation_reseals_every_row_with_the_new_key(
    identity_settings: IdentitySettings,
) -> None:
    old, new = new_key(), new_key()
    async with running(with_keys(identity_settings, old)) as (app, admin):
        subscription = await subscribe(admin)
        token = await partner_token(admin, subscription["partner"])
        old_rows = await stored_secrets(app)
    # The new key first, the old one still listed: the rows are resealed at start.
    async with running(with_keys(identity_settings, new, old)) as (app, admin):
        rows = await stored_secrets(app)
        assert all(value.startswith(sealer_of(app).current_prefix) for value in rows)
        assert not set(rows) & set(old_rows)
        await decode_with_jwks(admin, token, verify_times=False)
    # Now the old key can go.
    async with running(with_keys(identity_settings, new)) as (app, admin):
        await decode_with_jwks(admin, token, verify_times=False)
        await decode_with_jwks(
            admin, await partner_token(admin, subscription["partner"]), verify_times=False
        )
        row = await subscription_row(app, subscription["id"])
        assert signing_secret(row, sealer_of(app)) == subscription["secret"]


def test_the_sealer_unseals_with_any_listed_key_and_reports_tampering() -> None:
    old = secrets.token_bytes(32)
    new = secrets.token_bytes(32)
    sealed_by_old = SecretSealer([old]).seal("whsec_abc")
    rotated = SecretSealer([new, old])
    assert rotated.unseal(sealed_by_old, "a secret") == "whsec_abc"
    assert rotated.needs_resealing(sealed_by_old)
    resealed = rotated.reseal(sealed_by_old, "a secret")
    assert not rotated.needs_resealing(resealed)
    assert SecretSealer([new]).unseal(resealed, "a secret") == "whsec_abc"
    assert rotated.reseal("whsec_in_clear", "a secret").startswith(rotated.current_prefix)
    tampered = resealed[:-6] + ("A" if resealed[-6] != "A" else "B") + resealed[-5:]
    with pytest.raises(UnreadableSecretError, match="altered"):
        rotated.unseal(tampered, "a secret")
    with pytest.raises(UnreadableSecretError, match="not sealed"):
        rotated.unseal("whsec_in_clear", "a secret")
    # openssl rand -base64 32 (the standard alphabet) works as well as a Fernet key.
    standard = base64.b64encode(old).decode()
    assert SecretSealer.from_setting(standard).unseal(sealed_by_old, "a secret") == "whsec_abc"
    assert standard not in repr(rotated)
    assert base64.urlsafe_b64encode(old).decode() not in repr(rotated)
