"""``Annotated`` dependency aliases every route uses."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.auth.tokens import Principal
from crm_shared.db.audit import Actor
from crm_shared.db.uow import UnitOfWork
from crm_shared.fields import Instant
from crm_shared.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Dependencies are ``async def`` even when they await nothing: FastAPI runs a plain ``def``
# in its thread pool, a thread hop per request for a dictionary lookup.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def actor_of(principal: Principal) -> Actor:
    """The audit log's "who" for a verified caller: its subject, a person's or a client's."""
    return Actor(principal.subject, "client" if principal.is_client else "person")


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work, acting for the verified caller. The route's permission
    check (``dependencies=[requires(...)]``, resolved before the route's parameters) has set
    ``request.state.principal``; a public route's unit acts as the service itself."""
    read_only = request.method in SAFE_METHODS
    correlation = getattr(request.state, "correlation_id", None)
    principal: Principal | None = getattr(request.state, "principal", None)
    unit = runtime_of(request).unit_of_work(
        read_only=read_only,
        correlation_id=correlation,
        actor=None if principal is None else actor_of(principal),
    )
    async with unit as uow:
        yield uow


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime = runtime_of(request)
    factory = runtime.read_session_factory if request.method in SAFE_METHODS else None
    async with (factory or runtime.session_factory)() as session:
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
IDEMPOTENCY_KEY_DESCRIPTION = (
    "Optional, and recommended on every create: a unique value per intended create (a UUID, "
    "say). A retry with the same key returns the first response (with "
    "`Idempotency-Replayed: true`) instead of creating a twin; the same key with a different "
    "request is 422. A key is scoped to the method, the route and the caller (the token's "
    "subject): the same key elsewhere is another key. Kept for CRM_IDEMPOTENCY_RETENTION_HOURS. "
    "Without a key a retried create can make a twin (the customer create's duplicate check "
    "warns about one that looks like an existing customer, it does not prevent it)."
)
IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=IDEMPOTENCY_KEY_DESCRIPTION,
    ),
]
CursorDep = Annotated[
    str | None,
    Query(
        description="Opaque cursor: the previous page's `next_cursor`; absent or empty for "
        "the first page"
    ),
]
TotalDep = Annotated[
    bool,
    Query(
        description="Also count every item that matches (`total` in the answer); costs a "
        "query, so it is counted only when asked"
    ),
]
UpdatedSinceDep = Annotated[
    Instant | None,
    Query(
        description="Only items changed at or after this instant (ISO 8601 with a time zone); "
        "listed in (updated_at, id) order for incremental sync"
    ),
]


async def get_page_limit(
    request: Request,
    limit: Annotated[
        int | None, Query(ge=1, description="Page size (capped by the server)")
    ] = None,
) -> int:
    settings = runtime_of(request).settings
    return min(limit or settings.page_size_default, settings.page_size_max)


LimitDep = Annotated[int, Depends(get_page_limit)]
