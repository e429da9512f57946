"""HTTP helpers every router of the sales service uses."""

from typing import Annotated

from crm_shared.api.auth import PrincipalDep
from crm_shared.api.deps import runtime_of
from fastapi import Depends, Request

from crm_sales.settings import SalesSettings


async def get_settings(request: Request) -> SalesSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, SalesSettings)
    return settings


SettingsDep = Annotated[SalesSettings, Depends(get_settings)]


async def get_actor(principal: PrincipalDep) -> str:
    """Who makes a change (the trails and histories): the verified token's subject."""
    return principal.subject


ActorDep = Annotated[str, Depends(get_actor)]
