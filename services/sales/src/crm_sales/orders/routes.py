"""/v1/orders: place, read, list; payments, write-off and cancellation."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_sales.orders import service
from crm_sales.orders.mapping import order_out, payment_out
from crm_sales.orders.schemas import (
    CancelIn,
    OrderCreate,
    OrderFilter,
    OrderOut,
    PaymentIn,
    PaymentRecordedOut,
    WriteOffIn,
)
from crm_sales.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/orders", tags=["orders"], route_class=IfMatchRoute)


def location_of(order_id: str) -> str:
    return f"/v1/orders/{order_id}"


@router.post(
    "",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=OrderOut,
    responses=problem_responses(409, s409="an order with this external_id exists already"),
    summary="Place an order (a walk-in sale, a contract): due date from the payment terms",
    description="The customer must be known to sales (its customer view), else 422. "
    "`payment_terms_days` defaults to CRM_SALES_PAYMENT_TERMS_DAYS (30); 0 makes the order "
    "due on its own date. Send an `Idempotency-Key` so that a retry cannot place it twice.",
)
async def place_order(
    body: OrderCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        record = await service.create_order(uow, body, settings, access.scope, actor)
        out = order_out(record, service.today_of(uow))
        return json_response(
            out, status_code=201, version=record.order.version, location=location_of(out.id)
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[OrderOut],
    summary="List orders, newest first (filters: customer, payment state, ordered range)",
    description="`payment_state=overdue` finds the orders whose due date has passed without "
    "being settled; `open` and `partial` then mean not yet due.",
)
async def list_orders(
    filters: Annotated[OrderFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[OrderOut]:
    found = await service.list_orders(uow, filters, cursor, limit, access.scope, count=total)
    today = service.today_of(uow)
    return page_of(found, limit, lambda record: order_out(record, today))


@router.get(
    "/{order_id}",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=OrderOut,
    summary="Read an order with its lines and payments",
)
async def get_order(order_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> JSONResponse:
    record = await service.get_order(uow, str(order_id), access.scope)
    return json_response(order_out(record, service.today_of(uow)), version=record.order.version)


@router.post(
    "/{order_id}/payments",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=PaymentRecordedOut,
    responses=problem_responses(409, s409="the order was cancelled"),
    summary="Record a payment (partial, late, or a prepayment before the order's date)",
    description="More than the outstanding amount is 422. A payment dated before the "
    "order's date is a prepayment; one after the due date is late (both recorded as such). "
    "Send an `Idempotency-Key` so that a retry cannot record it twice.",
)
async def record_payment(
    order_id: UUID,
    body: PaymentIn,
    request: Request,
    uow: UnitOfWorkDep,
    access: AccessDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        payment, record = await service.record_payment(
            uow, str(order_id), body, access.scope, actor
        )
        out = PaymentRecordedOut(
            payment=payment_out(payment), order=order_out(record, service.today_of(uow))
        )
        return json_response(out, status_code=201, version=record.order.version)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.post(
    "/{order_id}/write-off",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=OrderOut,
    responses=problem_responses(409, s409="nothing is outstanding, or the order was cancelled"),
    summary="Write off what is outstanding (or part of it), with a reason",
)
async def write_off(
    order_id: UUID,
    body: WriteOffIn,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    record = await service.write_off(uow, str(order_id), body, expected, access.scope)
    await uow.commit()
    return json_response(order_out(record, service.today_of(uow)), version=record.order.version)


@router.post(
    "/{order_id}/cancel",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=OrderOut,
    responses=problem_responses(409, s409="something was paid or written off, or cancelled"),
    summary="Cancel an order on which nothing was paid",
)
async def cancel_order(
    order_id: UUID,
    body: CancelIn,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    record = await service.cancel(uow, str(order_id), body, expected, access.scope)
    await uow.commit()
    return json_response(order_out(record, service.today_of(uow)), version=record.order.version)
