"""/v1/customers/{id}/credit and /receivables: grades, their audit trail, and the facts."""

from uuid import UUID

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.credit import service
from crm_customer.credit.models import CreditRating, Receivable
from crm_customer.credit.schemas import (
    ComputedCredit,
    CreditOut,
    CreditRatingOut,
    ManualGradeIn,
    OperatingGradeIn,
    ReceivableIn,
    ReceivableOut,
    ReceivableUpdate,
    RecomputeIn,
)
from crm_customer.credit.service import CreditStanding
from crm_customer.web import ActorDep, SettingsDep, on_a_customer

router = APIRouter(prefix="/v1/customers/{customer_id}", tags=["credit"], route_class=IfMatchRoute)


def credit_out(standing: CreditStanding) -> CreditOut:
    customer, facts = standing.customer, standing.facts
    return CreditOut.model_validate(
        {
            "customer_id": customer.id,
            "credit_grade": customer.credit_grade,
            "credit_basis": customer.credit_basis,
            "operating_grade": customer.operating_grade,
            "rated_at": customer.credit_rated_at,
            "computed": ComputedCredit(
                credit_grade=standing.computed_grade,
                collected_share=facts.collected_share,
                longest_payment_cycle_days=facts.longest_payment_cycle_days,
                receivables_counted=facts.receivables_counted,
                window_months=standing.window_months,
                as_of=standing.as_of,
            ),
            "version": customer.version,
        }
    )


def credit_response(standing: CreditStanding) -> JSONResponse:
    return json_response(credit_out(standing), version=standing.customer.version)


def receivable_out(receivable: Receivable) -> ReceivableOut:
    return ReceivableOut.model_validate(receivable, from_attributes=True)


@router.get(
    "/credit",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=CreditOut,
    summary="Credit and operating grade",
)
async def get_credit(customer_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep) -> JSONResponse:
    return credit_response(await service.get_credit(uow, str(customer_id), settings))


def rating_out(rating: CreditRating) -> CreditRatingOut:
    return CreditRatingOut.model_validate(rating, from_attributes=True)


@router.get(
    "/credit/history",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=Page[CreditRatingOut],
    summary="Every rating, oldest first",
)
async def credit_history(
    customer_id: UUID,
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[CreditRatingOut]:
    found = await service.credit_history(uow, str(customer_id), cursor, limit, count=total)
    return page_of(found, limit, rating_out)


@router.put(
    "/credit/grade",
    dependencies=on_a_customer(Permission.CREDIT_WRITE),
    response_model=CreditOut,
    summary="Set the credit grade by hand",
)
async def put_credit_grade(
    customer_id: UUID,
    body: ManualGradeIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    actor: ActorDep = None,
) -> JSONResponse:
    standing = await service.set_manual_grade(
        uow, str(customer_id), body.credit_grade, body.reason, settings, actor, expected
    )
    await uow.commit()
    return credit_response(standing)


@router.put(
    "/credit/operating-grade",
    dependencies=on_a_customer(Permission.CREDIT_WRITE),
    response_model=CreditOut,
    summary="Set the operating grade",
)
async def put_operating_grade(
    customer_id: UUID,
    body: OperatingGradeIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    actor: ActorDep = None,
) -> JSONResponse:
    standing = await service.set_operating_grade(
        uow, str(customer_id), body.operating_grade, body.reason, settings, actor, expected
    )
    await uow.commit()
    return credit_response(standing)


@router.post(
    "/credit/recompute",
    dependencies=on_a_customer(Permission.CREDIT_WRITE),
    response_model=CreditOut,
    summary="Rate from the receivables now (ends a manual credit grade)",
    description="If-Match: the customer's ETag (from the customer or its credit).",
)
async def recompute_credit(
    customer_id: UUID,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    body: RecomputeIn | None = None,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        reason = body.reason if body else None
        standing = await service.recompute(uow, str(customer_id), reason, settings, actor, expected)
        return credit_response(standing)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.post(
    "/receivables",
    dependencies=on_a_customer(Permission.CREDIT_WRITE),
    status_code=201,
    response_model=ReceivableOut,
    summary="Record an invoice (the credit grade is recomputed)",
)
async def create_receivable(
    customer_id: UUID,
    body: ReceivableIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        receivable = await service.add_receivable(uow, str(customer_id), body, settings, actor)
        return json_response(
            receivable_out(receivable),
            status_code=201,
            version=receivable.version,
            location=f"/v1/customers/{receivable.customer_id}/receivables/{receivable.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "/receivables",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=Page[ReceivableOut],
    summary="Recorded invoices, by issue date and reference",
)
async def list_receivables(
    customer_id: UUID,
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[ReceivableOut]:
    found = await service.list_receivables(uow, str(customer_id), cursor, limit, count=total)
    return page_of(found, limit, receivable_out)


@router.get(
    "/receivables/{receivable_id}",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=ReceivableOut,
    summary="One invoice",
)
async def get_receivable(
    customer_id: UUID, receivable_id: UUID, uow: UnitOfWorkDep
) -> JSONResponse:
    receivable = await service.get_receivable(uow, str(customer_id), str(receivable_id))
    return json_response(receivable_out(receivable), version=receivable.version)


@router.patch(
    "/receivables/{receivable_id}",
    dependencies=on_a_customer(Permission.CREDIT_WRITE),
    response_model=ReceivableOut,
    summary="Record a payment or correct an invoice (the credit grade is recomputed)",
    description="The receivable of a sales order (`source` order) is kept by the sales "
    "service's events and is read-only here: 409 `receivable-from-order` (record the payment "
    "on the order in the sales service).",
)
async def patch_receivable(
    customer_id: UUID,
    receivable_id: UUID,
    body: ReceivableUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    actor: ActorDep = None,
) -> JSONResponse:
    receivable = await service.update_receivable(
        uow, str(customer_id), str(receivable_id), body, settings, actor, expected
    )
    await uow.commit()
    return json_response(receivable_out(receivable), version=receivable.version)
