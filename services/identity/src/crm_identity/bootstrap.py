"""What the service makes at start when it finds nothing: a signing key, and the first admin.

The first admin (``CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL``, ``admin@localhost``) is created only
when there is no user at all. Its password is ``CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD``
(required outside development, see the settings); in development, without one, it is
generated once into ``<data dir>/identity-admin-password`` (mode 0600), and the log says
where, never what.
"""

import logging
import os
import secrets
from pathlib import Path

from crm_shared.contracts.identity import Role
from crm_shared.runtime import Runtime
from sqlalchemy.exc import IntegrityError

from crm_identity.keys.service import ensure_signing_key
from crm_identity.settings import IdentitySettings
from crm_identity.users.service import add_user, any_user_exists

log = logging.getLogger(__name__)

PASSWORD_FILE = "identity-admin-password"


def password_file(settings: IdentitySettings) -> Path:
    return settings.data_dir / PASSWORD_FILE


def bootstrap_password(settings: IdentitySettings) -> str:
    """The configured password, or (development) the one generated once under the data
    folder."""
    if settings.bootstrap_admin_password is not None:
        configured = settings.bootstrap_admin_password.get_secret_value()
        if configured:
            return configured
    if not settings.is_development:  # the settings refuse this; never guess a password
        raise RuntimeError("CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD is required")
    path = password_file(settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password


async def bootstrap(runtime: Runtime, settings: IdentitySettings) -> None:
    async with runtime.unit_of_work() as uow:
        if await ensure_signing_key(uow, settings.rsa_key_bits):
            log.info("made the first token-signing key")
        await uow.commit()
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
