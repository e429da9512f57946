"""HTTP helpers every router of the support service uses."""

from typing import Annotated

from crm_shared.api.auth import PrincipalDep
from crm_shared.api.deps import runtime_of
from fastapi import Depends, Request

from crm_support.settings import SupportSettings


async def get_settings(request: Request) -> SupportSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, SupportSettings)
    return settings


SettingsDep = Annotated[SupportSettings, Depends(get_settings)]


async def get_actor(principal: PrincipalDep) -> str:
    """Who makes a change (the ticket's history): the verified token's subject."""
    return principal.subject


ActorDep = Annotated[str, Depends(get_actor)]
