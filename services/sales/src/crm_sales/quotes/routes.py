"""/v1/quotes: issue, read, list, revise, accept (-> an order), reject."""

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

from crm_sales.orders.mapping import order_out
from crm_sales.orders.schemas import OrderOut
from crm_sales.quotes import service
from crm_sales.quotes.mapping import quote_out
from crm_sales.quotes.schemas import QuoteCreate, QuoteFilter, QuoteOut, QuoteReject, QuoteRevise
from crm_sales.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/quotes", tags=["quotes"], route_class=IfMatchRoute)

NOT_DECIDABLE = "the quote expired, a later revision superseded it, or it was decided already"


def location_of(quote_id: str) -> str:
    return f"/v1/quotes/{quote_id}"


@router.post(
    "",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=QuoteOut,
    summary="Issue a quote (revision 1): lines with discounts, validity date",
    description="The customer must be known to sales, else 422. `valid_until` defaults to "
    "today + CRM_SALES_QUOTE_VALIDITY_DAYS (30). Send an `Idempotency-Key` so that a retry "
    "cannot issue it twice.",
)
async def issue_quote(
    body: QuoteCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        record = await service.issue_quote(uow, body, settings, access.scope, actor)
        out = quote_out(record, uow.clock.now().date())
        return json_response(
            out, status_code=201, version=record.quote.version, location=location_of(out.id)
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[QuoteOut],
    summary="List quotes, newest first (filters: customer, opportunity, status)",
)
async def list_quotes(
    filters: Annotated[QuoteFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[QuoteOut]:
    found = await service.list_quotes(uow, filters, cursor, limit, access.scope, count=total)
    today = uow.clock.now().date()
    return page_of(found, limit, lambda record: quote_out(record, today))


@router.get(
    "/{quote_id}",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=QuoteOut,
    summary="Read a quote with its lines",
)
async def get_quote(quote_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> JSONResponse:
    record = await service.get_quote(uow, str(quote_id), access.scope)
    return json_response(quote_out(record, uow.clock.now().date()), version=record.quote.version)


@router.post(
    "/{quote_id}/revise",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=QuoteOut,
    responses=problem_responses(409, s409="the quote was decided or superseded already"),
    summary="Revise a quote: a new revision (same number), the old one superseded",
    description="Lines, validity or currency left out are copied from the revised quote "
    "(an expired validity is renewed from today). Answers the new revision.",
)
async def revise_quote(
    quote_id: UUID,
    body: QuoteRevise,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    record = await service.revise_quote(uow, str(quote_id), body, settings, expected, access.scope)
    await uow.commit()
    out = quote_out(record, uow.clock.now().date())
    return json_response(
        out, status_code=201, version=record.quote.version, location=location_of(out.id)
    )


@router.post(
    "/{quote_id}/accept",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=OrderOut,
    responses=problem_responses(409, s409=NOT_DECIDABLE),
    summary="Accept the latest revision of a quote: it becomes an order (answered)",
)
async def accept_quote(
    quote_id: UUID,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    actor: ActorDep,
) -> JSONResponse:
    _, order = await service.accept_quote(
        uow, str(quote_id), settings, expected, access.scope, actor
    )
    await uow.commit()
    out = order_out(order, uow.clock.now().date())
    return json_response(
        out, status_code=201, version=order.order.version, location=f"/v1/orders/{out.id}"
    )


@router.post(
    "/{quote_id}/reject",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=QuoteOut,
    responses=problem_responses(409, s409=NOT_DECIDABLE),
    summary="Record that the customer rejected the quote, with the reason",
)
async def reject_quote(
    quote_id: UUID,
    body: QuoteReject,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    record = await service.reject_quote(uow, str(quote_id), body, expected, access.scope)
    await uow.commit()
    return json_response(quote_out(record, uow.clock.now().date()), version=record.quote.version)
