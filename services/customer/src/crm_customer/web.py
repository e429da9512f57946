"""HTTP helpers every router of this service uses."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.deps import UnitOfWorkDep, runtime_of
from crm_shared.auth.permissions import Permission
from fastapi import Depends, Header, Query, Request, params

from crm_customer.customers.service import ensure_reachable
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


async def customer_within_reach(customer_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> None:
    """404 for a customer outside the caller's reach (crm_shared.auth.access), the same
    answer as for one that does not exist."""
    await ensure_reachable(uow, str(customer_id), access.scope)


def on_a_customer(permission: Permission) -> list[params.Depends]:
    """The dependencies of every route under ``/v1/customers/{customer_id}``: the permission
    first (403 says nothing about the record), then the record's reach, before anything
    else the route checks (If-Match, the body's rules), so neither a 412 nor a 409 nor a
    422 can tell that a record the caller may not see exists."""
    return [requires(permission), Depends(customer_within_reach)]
