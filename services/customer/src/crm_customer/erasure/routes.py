"""/v1/customers/{id}/erasure: the right to be forgotten."""

from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import IdempotencyKeyDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.customers.mapping import customer_out
from crm_customer.customers.schemas import CustomerOut
from crm_customer.erasure import service
from crm_customer.erasure.schemas import ErasureIn
from crm_customer.web import ActorDep, on_a_customer

router = APIRouter(prefix="/v1/customers", tags=["erasure"], route_class=IfMatchRoute)


@router.post(
    "/{customer_id}/erasure",
    dependencies=on_a_customer(Permission.CUSTOMERS_ERASE),
    response_model=CustomerOut,
    summary="Erase a customer's personal data (and its merged aliases'); keeps a tombstone",
)
async def erase_customer(
    customer_id: UUID,
    body: ErasureIn,
    request: Request,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        customer = await service.erase(uow, str(customer_id), body.reason, actor, expected)
        out = customer_out(customer, personal_data=access.personal_data)
        return json_response(out, version=customer.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
