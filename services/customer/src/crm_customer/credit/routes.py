"""/v1/customers/{id}/credit and /receivables: grades, their audit trail, and the facts."""

from datetime import date
from uuid import UUID

from crm_shared.api.concurrency import require_if_match
from crm_shared.api.deps import IdempotencyKeyDep, IfMatchDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.db import UnitOfWork
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.credit import service
from crm_customer.credit.models import Receivable
from crm_customer.credit.repository import CreditRatingRepository, ReceivableRepository
from crm_customer.credit.rules import rate
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
from crm_customer.customers.models import Customer
from crm_customer.customers.service import ensure_changeable, load
from crm_customer.settings import CustomerSettings
from crm_customer.web import ActorDep, SettingsDep, check_if_match, json_response

router = APIRouter(prefix="/v1/customers/{customer_id}", tags=["credit"])


async def credit_out(uow: UnitOfWork, customer: Customer, settings: CustomerSettings) -> CreditOut:
    today = date.today()
    facts = await service.current_facts(uow, customer.id, settings, today)
    computed = ComputedCredit(
        credit_grade=rate(facts, settings.credit_thresholds),
        collected_share=facts.collected_share,
        longest_payment_cycle_days=facts.longest_payment_cycle_days,
        receivables_counted=facts.receivables_counted,
        window_months=settings.credit_window_months,
        as_of=today,
    )
    return CreditOut.model_validate(
        {
            "customer_id": customer.id,
            "credit_grade": customer.credit_grade,
            "credit_basis": customer.credit_basis,
            "operating_grade": customer.operating_grade,
            "rated_at": customer.credit_rated_at,
            "computed": computed,
            "version": customer.version,
        }
    )


def receivable_out(receivable: Receivable) -> ReceivableOut:
    return ReceivableOut.model_validate(
        {
            **{
                c: getattr(receivable, c)
                for c in ReceivableOut.model_fields
                if hasattr(receivable, c)
            },
            "outstanding": receivable.amount - receivable.paid_amount,
            "settled": receivable.paid_amount >= receivable.amount,
        }
    )


@router.get("/credit", response_model=CreditOut, summary="Credit and operating grade")
async def get_credit(customer_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    return json_response(await credit_out(uow, customer, settings), version=customer.version)


@router.get(
    "/credit/history", response_model=list[CreditRatingOut], summary="Every rating, oldest first"
)
async def credit_history(customer_id: UUID, uow: UnitOfWorkDep) -> list[CreditRatingOut]:
    customer = await load(uow, str(customer_id))
    history = await CreditRatingRepository(uow.session).history(customer.id)
    return [CreditRatingOut.model_validate(row, from_attributes=True) for row in history]


@router.put("/credit/grade", response_model=CreditOut, summary="Set the credit grade by hand")
async def put_credit_grade(
    customer_id: UUID,
    body: ManualGradeIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    check_if_match(if_match, customer.version)
    await service.set_manual_grade(uow, customer, body.credit_grade, body.reason, settings, actor)
    await uow.commit()
    return json_response(await credit_out(uow, customer, settings), version=customer.version)


@router.put("/credit/operating-grade", response_model=CreditOut, summary="Set the operating grade")
async def put_operating_grade(
    customer_id: UUID,
    body: OperatingGradeIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    check_if_match(if_match, customer.version)
    await service.set_operating_grade(uow, customer, body.operating_grade, body.reason, actor)
    await uow.commit()
    return json_response(await credit_out(uow, customer, settings), version=customer.version)


@router.post(
    "/credit/recompute",
    response_model=CreditOut,
    summary="Rate from the receivables now (ends a manual credit grade)",
)
async def recompute_credit(
    customer_id: UUID,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    body: RecomputeIn | None = None,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        customer = await load(uow, str(customer_id))
        ensure_changeable(customer)
        reason = body.reason if body and body.reason else "recompute requested"
        await service.rerate(uow, customer, settings, actor, reason=reason, explicit=True)
        return json_response(await credit_out(uow, customer, settings), version=customer.version)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.post(
    "/receivables",
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
        customer = await load(uow, str(customer_id))
        receivable = await service.add_receivable(uow, customer, body, settings, actor)
        return json_response(
            receivable_out(receivable),
            status_code=201,
            version=receivable.version,
            location=f"/v1/customers/{customer.id}/receivables/{receivable.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get("/receivables", response_model=list[ReceivableOut], summary="Recorded invoices")
async def list_receivables(customer_id: UUID, uow: UnitOfWorkDep) -> list[ReceivableOut]:
    customer = await load(uow, str(customer_id))
    rows = await ReceivableRepository(uow.session).of_customer(customer.id)
    return [receivable_out(row) for row in rows]


@router.get("/receivables/{receivable_id}", response_model=ReceivableOut, summary="One invoice")
async def get_receivable(
    customer_id: UUID, receivable_id: UUID, uow: UnitOfWorkDep
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    receivable = await service.load_receivable(uow, customer, str(receivable_id))
    return json_response(receivable_out(receivable), version=receivable.version)


@router.patch(
    "/receivables/{receivable_id}",
    response_model=ReceivableOut,
    summary="Record a payment or correct an invoice (the credit grade is recomputed)",
)
async def patch_receivable(
    customer_id: UUID,
    receivable_id: UUID,
    body: ReceivableUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    receivable = await service.load_receivable(uow, customer, str(receivable_id))
    require_if_match(if_match, receivable.version)
    await service.update_receivable(uow, customer, receivable, body, settings, actor)
    await uow.commit()
    return json_response(receivable_out(receivable), version=receivable.version)
