"""HTTP helpers every router of this service uses."""

from typing import Annotated

from crm_shared.api.auth import PrincipalDep
from crm_shared.api.deps import runtime_of
from fastapi import Depends, Header, Query, Request

from crm_customer.settings import CustomerSettings


async def get_settings(request: Request) -> CustomerSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, CustomerSettings)
    return settings


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]


async def get_actor(
    principal: PrincipalDep,
    claimed: Annotated[
        str | None,
        Header(
            alias="X-Actor",
            max_length=100,
            deprecated=True,
            description="Ignored: the trails and the audit log name the token's subject. "
            "Still accepted, so that callers that send it keep working",
        ),
    ] = None,
) -> str:
    """Who makes a change, for the trails of consent, lifecycle and credit: the verified
    token's subject (a user id, ``client:<id>``). The ``X-Actor`` header callers once named
    themselves with is a claim, not an identity: accepted and ignored."""
    return principal.subject


# The principal is resolved once per request (FastAPI caches it for the permission check).
ActorDep = Annotated[str | None, Depends(get_actor)]

StrictDep = Annotated[
    bool | None,
    Query(description="Refuse (409) instead of warn when the customer looks like a duplicate"),
]
