"""HTTP helpers every router of this service uses."""

from typing import Annotated

from crm_shared.api.auth import requires
from crm_shared.api.deps import runtime_of
from crm_shared.auth.permissions import Permission
from fastapi import Depends, Request

from crm_identity.sealing import SecretSealer
from crm_identity.settings import IdentitySettings


async def get_settings(request: Request) -> IdentitySettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, IdentitySettings)
    return settings


SettingsDep = Annotated[IdentitySettings, Depends(get_settings)]

# Where create_app keeps the service's SecretSealer (one per app: its keys come from its
# settings).
SEALER_STATE = "secrets_sealer"


async def get_sealer(request: Request) -> SecretSealer:
    sealer = getattr(request.app.state, SEALER_STATE)
    assert isinstance(sealer, SecretSealer)
    return sealer


SealerDep = Annotated[SecretSealer, Depends(get_sealer)]

# Every admin route: a bearer token that holds identity:admin (the role admin; 401 without
# a token, 403 with another role).
ADMIN_ONLY = [requires(Permission.IDENTITY_ADMIN)]
# Answers that carry a secret must never be stored by a cache (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
