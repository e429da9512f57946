"""HTTP helpers every router of the marketing service uses."""

from typing import Annotated

from crm_shared.api.auth import PrincipalDep
from crm_shared.api.deps import runtime_of
from fastapi import Depends, Request

from crm_marketing.settings import MarketingSettings


async def get_settings(request: Request) -> MarketingSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, MarketingSettings)
    return settings


SettingsDep = Annotated[MarketingSettings, Depends(get_settings)]


async def get_actor(principal: PrincipalDep) -> str:
    """Who makes a change: the verified token's subject."""
    return principal.subject


ActorDep = Annotated[str, Depends(get_actor)]
