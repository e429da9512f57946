"""What the service makes at start when it finds nothing: the secrets key (development), a
signing key, and the first admin; and the stored secrets sealed with the current secrets key.

The secrets key (``CRM_IDENTITY_SECRETS_KEYS``, required outside development) is, in
development without one, generated once into ``<data dir>/identity-secrets-key`` (mode 0600)
by :func:`secrets_sealer`, which ``create_app`` calls.
At every start each stored secret not sealed with the first key of the list is resealed
with it: values in clear (from before secrets were sealed) and values sealed with an older
key (a rotation). A value sealed with a key the service was not given stops the start
(:class:`~crm_identity.sealing.UnreadableSecretError`): better than failing at first use.

The first admin (``CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL``, ``admin@localhost``) is created only
when there is no user at all. Its password is ``CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD``
(required outside development, see the settings); in development, without one, it is
generated once into ``<data dir>/identity-admin-password`` (mode 0600), and the log says
where, never what.
"""

import logging
import secrets
from pathlib import Path

from crm_shared.contracts.identity import Role
from crm_shared.runtime import Runtime
from crm_shared.secret_files import generated_once
from sqlalchemy.exc import IntegrityError

from crm_identity.keys.service import ensure_signing_key, reseal_private_keys
from crm_identity.sealing import SecretSealer, new_key
from crm_identity.settings import IdentitySettings
from crm_identity.users.service import add_user, any_user_exists
from crm_identity.webhooks.service import reseal_secrets

log = logging.getLogger(__name__)

PASSWORD_FILE = "identity-admin-password"
SECRETS_KEY_FILE = "identity-secrets-key"


def password_file(settings: IdentitySettings) -> Path:
    return settings.data_dir / PASSWORD_FILE


def secrets_key_file(settings: IdentitySettings) -> Path:
    return settings.data_dir / SECRETS_KEY_FILE


def bootstrap_password(settings: IdentitySettings) -> str:
    """The configured password, or (development) the one generated once under the data
    folder."""
    if settings.bootstrap_admin_password is not None:
        configured = settings.bootstrap_admin_password.get_secret_value()
        if configured:
            return configured
    if not settings.is_development:  # the settings refuse this; never guess a password
        raise RuntimeError("CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD is required")
    return generated_once(password_file(settings), lambda: secrets.token_urlsafe(18))


def secrets_sealer(settings: IdentitySettings) -> SecretSealer:
    """The sealer of the configured keys, or (development) of the key generated once under
    the data folder."""
    configured = settings.secrets_keys.get_secret_value() if settings.secrets_keys else ""
    if configured.strip():
        return SecretSealer.from_setting(configured)
    if not settings.is_development:  # the settings refuse this; never make up a key
        raise RuntimeError("CRM_IDENTITY_SECRETS_KEYS is required")
    return SecretSealer.from_setting(generated_once(secrets_key_file(settings), new_key))


async def bootstrap(runtime: Runtime, settings: IdentitySettings, sealer: SecretSealer) -> None:
    async with runtime.unit_of_work() as uow:
        resealed = await reseal_private_keys(uow, sealer) + await reseal_secrets(uow, sealer)
        if await ensure_signing_key(uow, settings.rsa_key_bits, sealer):
            log.info("made the first token-signing key")
        await uow.commit()
    if resealed:
        log.info("sealed %d stored secrets with secrets key %s", resealed, sealer.current_key_id)
    async with runtime.unit_of_work() as uow:
        if await any_user_exists(uow):
            return
        password = bootstrap_password(settings)
        await add_user(
            uow,
            email=settings.bootstrap_admin_email,
            name="Administrator",
            role=Role.ADMIN,
            password=password,
        )
        try:
            await uow.commit()
        except IntegrityError:  # another instance made it first
            return
    where = (
        "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"
        if settings.bootstrap_admin_password is not None
        else str(password_file(settings).resolve())
    )
    log.info(
        "created the bootstrap admin %s; its password is in %s",
        settings.bootstrap_admin_email,
        where,
    )
