"""HTTP helpers every router of this service uses."""

from typing import Annotated

from crm_shared.api.deps import runtime_of
from fastapi import Depends, Header, Query, Request

from crm_customer.settings import CustomerSettings


async def get_settings(request: Request) -> CustomerSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, CustomerSettings)
    return settings


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]

# Who made a change, for the audit trails (consent, lifecycle, credit). Until the platform
# authenticates callers, the caller names itself; an authenticated principal replaces this.
ActorDep = Annotated[
    str | None,
    Header(
        alias="X-Actor",
        max_length=100,
        description="Who makes the change (audit trail); also scopes Idempotency-Key",
    ),
]

StrictDep = Annotated[
    bool | None,
    Query(description="Refuse (409) instead of warn when the customer looks like a duplicate"),
]
