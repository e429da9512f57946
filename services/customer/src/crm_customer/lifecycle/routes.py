"""/v1/customers/{id}/lifecycle: move the stage by the allowed transitions; the history."""

from uuid import UUID

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import IdempotencyKeyDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_customer.lifecycle import service
from crm_customer.lifecycle.schemas import LifecycleOut, StageChangeIn, StageChangeOut
from crm_customer.lifecycle.service import LifecycleState
from crm_customer.web import ActorDep, on_a_customer

router = APIRouter(
    prefix="/v1/customers/{customer_id}/lifecycle", tags=["lifecycle"], route_class=IfMatchRoute
)


def lifecycle_out(state: LifecycleState) -> LifecycleOut:
    return LifecycleOut.model_validate(
        {
            "customer_id": state.customer.id,
            "stage": state.stage,
            "relationship_phase": state.customer.relationship_phase,
            "allowed_next": state.allowed_next,
            "version": state.customer.version,
            "history": [
                StageChangeOut.model_validate(change, from_attributes=True)
                for change in state.history
            ],
        }
    )


@router.get(
    "",
    dependencies=on_a_customer(Permission.CUSTOMERS_READ),
    response_model=LifecycleOut,
    summary="Current stage and every change",
)
async def get_lifecycle(customer_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    state = await service.get_lifecycle(uow, str(customer_id))
    return json_response(lifecycle_out(state), version=state.customer.version)


@router.post(
    "",
    dependencies=on_a_customer(Permission.CUSTOMERS_WRITE),
    response_model=LifecycleOut,
    summary="Move to another stage (409 with the allowed stages when the move is refused)",
    description="If-Match: the customer's ETag (from the customer or its lifecycle).",
)
async def post_lifecycle(
    customer_id: UUID,
    body: StageChangeIn,
    request: Request,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    actor: ActorDep = None,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        state = await service.move_stage(
            uow, str(customer_id), body.stage, body.reason, actor, expected
        )
        return json_response(lifecycle_out(state), version=state.customer.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
