"""/v1/customers/{id}/lifecycle: move the stage by the allowed transitions; the history."""

from uuid import UUID

from crm_shared.api.deps import IdempotencyKeyDep, IfMatchDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.db import UnitOfWork
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.customers.models import Customer
from crm_customer.customers.service import load
from crm_customer.lifecycle.repository import LifecycleRepository
from crm_customer.lifecycle.rules import allowed_targets
from crm_customer.lifecycle.schemas import LifecycleOut, StageChangeIn, StageChangeOut
from crm_customer.lifecycle.service import change_stage
from crm_customer.web import ActorDep, check_if_match, json_response

router = APIRouter(prefix="/v1/customers/{customer_id}/lifecycle", tags=["lifecycle"])


async def lifecycle_out(uow: UnitOfWork, customer: Customer) -> LifecycleOut:
    history = await LifecycleRepository(uow.session).history(customer.id)
    stage = LifecycleStage(customer.lifecycle_stage)
    return LifecycleOut.model_validate(
        {
            "customer_id": customer.id,
            "stage": stage,
            "relationship_phase": customer.relationship_phase,
            "allowed_next": allowed_targets(stage),
            "version": customer.version,
            "history": [StageChangeOut.model_validate(h, from_attributes=True) for h in history],
        }
    )


@router.get("", response_model=LifecycleOut, summary="Current stage and every change")
async def get_lifecycle(customer_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    customer = await load(uow, str(customer_id))
    return json_response(await lifecycle_out(uow, customer), version=customer.version)


@router.post(
    "",
    response_model=LifecycleOut,
    summary="Move to another stage (409 with the allowed stages when the move is refused)",
)
async def post_lifecycle(
    customer_id: UUID,
    body: StageChangeIn,
    request: Request,
    uow: UnitOfWorkDep,
    actor: ActorDep = None,
    if_match: IfMatchDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        customer = await load(uow, str(customer_id))
        check_if_match(if_match, customer.version)
        await change_stage(uow, customer, body.stage, body.reason, actor)
        return json_response(await lifecycle_out(uow, customer), version=customer.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
