"""Settings refuse a missing or default bootstrap secret, and a missing secrets key, outside
development; in development the bootstrap admin's password and the secrets key are generated
once, into files only their owner can read."""

import stat
from pathlib import Path

import pytest
from crm_identity.app import create_app
from crm_identity.bootstrap import PASSWORD_FILE, SECRETS_KEY_FILE
from crm_identity.sealing import new_key
from crm_identity.settings import IdentitySettings
from crm_shared.testing import FakeClock, app_client
from pydantic import ValidationError

from services.identity.tests.identity_helpers import ADMIN_EMAIL, password_token


@pytest.mark.parametrize("password", [None, "", "changethis", "admin", "short-one"])
def test_production_refuses_a_missing_or_default_bootstrap_secret(password: str | None) -> None:
    with pytest.raises(ValidationError, match="BOOTSTRAP_ADMIN_PASSWORD"):
        IdentitySettings(environment="production", bootstrap_admin_password=password)


def test_production_reads_its_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_IDENTITY_ENVIRONMENT", "production")
    with pytest.raises(ValidationError):
        IdentitySettings()
    monkeypatch.setenv("CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD", "a-real-long-secret-value")
    with pytest.raises(ValidationError, match="CRM_IDENTITY_SECRETS_KEYS must be set"):
        IdentitySettings()
    key = new_key()
    monkeypatch.setenv("CRM_IDENTITY_SECRETS_KEYS", key)
    settings = IdentitySettings()
    assert settings.environment == "production"
    assert settings.password_grant_enabled is False  # off outside development
    assert "a-real-long-secret-value" not in repr(settings)
    assert key not in repr(settings)


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("keys", ["not-a-key", "c2hvcnQ=", f"{new_key()},oops"])
def test_a_malformed_secrets_key_is_refused_without_echoing_it(environment: str, keys: str) -> None:
    with pytest.raises(ValidationError, match="CRM_IDENTITY_SECRETS_KEYS: key") as refused:
        IdentitySettings(
            environment=environment,
            bootstrap_admin_password="a-real-long-secret-value",
            secrets_keys=keys,
        )
    for key in keys.split(","):
        assert key not in str(refused.value)


def test_development_needs_no_secret_and_allows_the_password_grant() -> None:
    settings = IdentitySettings()
    assert settings.is_development
    assert settings.password_grant_enabled is True
    assert IdentitySettings(password_grant_enabled=False).password_grant_enabled is False


async def test_development_generates_the_admin_password_once_under_the_data_dir(
    make_database,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    settings = IdentitySettings(database_url=await make_database("identity"), data_dir=tmp_path)
    app = create_app(settings, run_bus=False, clock=FakeClock())
    async with app.router.lifespan_context(app), app_client(app, test_tokens=False) as http:
        path = tmp_path / PASSWORD_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        password = path.read_text().strip()
        assert len(password) >= 20
        await password_token(http, ADMIN_EMAIL, password)
        key_file = tmp_path / SECRETS_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text().strip()
    # A restart keeps the admin, the secrets key and the files as they are.
    again = create_app(settings, run_bus=False, clock=FakeClock())
    async with again.router.lifespan_context(again), app_client(again, test_tokens=False) as http:
        assert (tmp_path / PASSWORD_FILE).read_text().strip() == password
        assert key_file.read_text().strip() == key
        await password_token(http, ADMIN_EMAIL, password)  # signed with the unsealed key
