"""Duplicates: the report of likely duplicate groups, and the merge of two records."""

from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import IdempotencyKeyDep, LimitDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.masking import CONTACT_POINTS
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.customers.mapping import customer_out
from crm_customer.customers.schemas import CustomerOut
from crm_customer.duplicates import service
from crm_customer.duplicates.schemas import DuplicateGroupOut, DuplicateReport, MergeIn
from crm_customer.web import ActorDep, SettingsDep, on_a_customer

router = APIRouter(prefix="/v1/customers", tags=["duplicates"], route_class=IfMatchRoute)


@router.get(
    "/duplicates",
    dependencies=[requires(Permission.CUSTOMERS_READ)],
    response_model=DuplicateReport,
    summary="Groups of active customers sharing an e-mail, a phone or name and company",
)
async def duplicate_report(
    uow: UnitOfWorkDep, limit: LimitDep, access: AccessDep
) -> DuplicateReport:
    found = await service.duplicate_groups(uow, limit, access.scope)
    return DuplicateReport(
        groups=[
            DuplicateGroupOut(
                matched_on=g.matched_on,
                key=g.key if access.personal_data else shared_key_masked(g.matched_on, g.key),
                customer_ids=g.customer_ids,
            )
            for g in found.groups
        ],
        truncated=found.truncated,
    )


def shared_key_masked(matched_on: str, key: str) -> str:
    """The key a group shares is the e-mail or the phone itself for those groups."""
    masker = CONTACT_POINTS.get(matched_on)
    return masker(key) if masker is not None else key


@router.post(
    "/{customer_id}/merge",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    response_model=CustomerOut,
    summary="Merge a duplicate into this customer; the duplicate becomes an alias",
    description="If-Match: the ETag of this customer, the survivor (the record that "
    "changes). The duplicate, named in the body, is merged as it is now: whatever it holds "
    "moves to the survivor, so no change made to it is lost.",
)
async def merge_customers(
    customer_id: UUID,
    body: MergeIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        survivor = await service.merge(
            uow, str(customer_id), str(body.duplicate_id), settings, actor, expected, access.scope
        )
        out = customer_out(survivor, personal_data=access.personal_data)
        return json_response(out, version=survivor.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
