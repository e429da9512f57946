"""/v1/customers: create, read, update, search."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import SYNC_CONTRACT, Page, decode_cursor, encode_cursor
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.customers import service
from crm_customer.customers.mapping import customer_created_out, customer_out
from crm_customer.customers.schemas import (
    CustomerCreate,
    CustomerCreatedOut,
    CustomerOut,
    CustomerUpdate,
)
from crm_customer.customers.search import CustomerFilter, cursor_values
from crm_customer.web import ActorDep, SettingsDep, StrictDep, on_a_customer

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=IfMatchRoute)


def location_of(customer_id: str) -> str:
    return f"/v1/customers/{customer_id}"


@router.post(
    "",
    dependencies=[requires(Permission.CUSTOMERS_WRITE)],
    status_code=201,
    response_model=CustomerCreatedOut,
    summary="Create a customer (warns about, or with strict refuses, likely duplicates)",
    description="Send an `Idempotency-Key` so that a retry cannot create the customer twice: "
    "without one, a retried create makes a twin, which the duplicate check only warns about "
    "(`duplicates` and a `Warning` header; `strict=true` refuses it with 409).",
)
async def create_customer(
    body: CustomerCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
    strict: StrictDep = None,
) -> Response:
    refuse_duplicates = settings.duplicates_strict if strict is None else strict

    async def action() -> JSONResponse:
        created = await service.create_customer(
            uow, body, settings, actor=actor, strict=refuse_duplicates, scope=access.scope
        )
        customer = created.customer
        out = customer_created_out(customer, created.duplicates, personal_data=access.personal_data)
        headers = {}
        if out.duplicates:
            ids = ", ".join(match.id for match in out.duplicates)
            headers["Warning"] = f'299 crm-customer "possible duplicate of: {ids}"'
        return json_response(
            out,
            status_code=201,
            version=customer.version,
            location=location_of(customer.id),
            headers=headers,
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.CUSTOMERS_READ)],
    response_model=Page[CustomerOut],
    summary="Search and filter customers",
    description="Active customers by default (`status` adds merged aliases and erased "
    "tombstones). Keyset pagination: no customer is lost or repeated between pages.\n\n"
    + SYNC_CONTRACT,
)
async def search_customers(
    filters: Annotated[CustomerFilter, Query()],
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[CustomerOut]:
    page = await service.search_customers(
        uow, filters, decode_cursor(cursor), limit, settings, access.scope, count=total
    )
    following = page.following
    return Page[CustomerOut](
        items=[customer_out(row, personal_data=access.personal_data) for row in page.items],
        next_cursor=encode_cursor(cursor_values(following, filters.sort)) if following else None,
        limit=limit,
        total=page.total,
    )


@router.get(
    "/{customer_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=CustomerOut,
    summary="Read a customer (a merged record answers with status merged and merged_into)",
)
async def get_customer(customer_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> JSONResponse:
    customer = await service.get_customer(uow, str(customer_id))
    out = customer_out(customer, personal_data=access.personal_data)
    return json_response(out, version=customer.version)


@router.patch(
    "/{customer_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    response_model=CustomerOut,
    summary="Update a customer",
)
async def update_customer(
    customer_id: UUID,
    body: CustomerUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    customer = await service.patch_customer(
        uow, str(customer_id), body, settings, expected, access.scope
    )
    await uow.commit()
    out = customer_out(customer, personal_data=access.personal_data)
    return json_response(out, version=customer.version)
