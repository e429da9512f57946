"""HTTP helpers every router of the analytics service uses."""

from typing import Annotated

from crm_shared.api.deps import runtime_of
from fastapi import Depends, Request

from crm_analytics.settings import AnalyticsSettings


async def get_settings(request: Request) -> AnalyticsSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, AnalyticsSettings)
    return settings


SettingsDep = Annotated[AnalyticsSettings, Depends(get_settings)]
