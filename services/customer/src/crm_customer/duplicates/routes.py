"""Duplicates: the report of likely duplicate groups, and the merge of two records."""

from uuid import UUID

from crm_shared.api.deps import IdempotencyKeyDep, IfMatchDep, LimitDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.customers.mapping import customer_out
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import CustomerOut
from crm_customer.customers.service import load
from crm_customer.duplicates.schemas import DuplicateGroupOut, DuplicateReport, MergeIn
from crm_customer.duplicates.service import merge
from crm_customer.web import ActorDep, SettingsDep, check_if_match, json_response

router = APIRouter(prefix="/v1/customers", tags=["duplicates"])


@router.get(
    "/duplicates",
    response_model=DuplicateReport,
    summary="Groups of active customers sharing an e-mail, a phone or name and company",
)
async def duplicate_report(uow: UnitOfWorkDep, limit: LimitDep) -> DuplicateReport:
    groups = await CustomerRepository(uow.session).duplicate_groups(limit + 1)
    return DuplicateReport(
        groups=[
            DuplicateGroupOut(matched_on=g.matched_on, key=g.key, customer_ids=g.customer_ids)
            for g in groups[:limit]
        ],
        truncated=len(groups) > limit,
    )


@router.post(
    "/{customer_id}/merge",
    response_model=CustomerOut,
    summary="Merge a duplicate into this customer; the duplicate becomes an alias",
)
async def merge_customers(
    customer_id: UUID,
    body: MergeIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        survivor = await load(uow, str(customer_id))
        check_if_match(if_match, survivor.version)
        await merge(uow, survivor, str(body.duplicate_id), settings, actor)
        return json_response(customer_out(survivor), version=survivor.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
