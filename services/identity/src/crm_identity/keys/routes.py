"""/v1/keys: the token-signing keys (admin only): which are published, and rotation."""

from datetime import datetime

from crm_shared.api.deps import UnitOfWorkDep
from fastapi import APIRouter
from pydantic import BaseModel

from crm_identity.keys import service
from crm_identity.web import ADMIN_ONLY, SealerDep, SettingsDep

router = APIRouter(prefix="/v1/keys", tags=["signing keys"], dependencies=ADMIN_ONLY)


class KeyOut(BaseModel):
    """A signing key as admins see it (its private half is never shown)."""

    kid: str
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None


class Rotation(BaseModel):
    signing: KeyOut
    retired: list[KeyOut]


def key_out(info: service.KeyInfo) -> KeyOut:
    return KeyOut(
        kid=info.kid,
        created_at=info.created_at,
        activated_at=info.activated_at,
        retired_at=info.retired_at,
    )


@router.get("", response_model=list[KeyOut], summary="The published keys, newest first")
async def list_keys(uow: UnitOfWorkDep, settings: SettingsDep) -> list[KeyOut]:
    keys = await service.published_keys(
        uow, settings.longest_token_minutes, settings.key_overlap_minutes
    )
    return [key_out(key) for key in keys]


@router.post(
    "/rotate",
    response_model=Rotation,
    summary="Sign with a new key from now on; the old one stays published for the overlap",
)
async def rotate_keys(uow: UnitOfWorkDep, settings: SettingsDep, sealer: SealerDep) -> Rotation:
    new, retired = await service.rotate(uow, settings.rsa_key_bits, sealer)
    await uow.commit()
    return Rotation(signing=key_out(new), retired=[key_out(key) for key in retired])
