"""/v1/tickets/{id}/recoveries: record a service recovery (within the approver's limits),
list a ticket's."""

from uuid import UUID

from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.deps import IdempotencyKeyDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission, grants
from crm_shared.auth.tokens import Principal
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_support.recoveries import rules, service
from crm_support.recoveries.schemas import (
    RecoveriesOut,
    RecoveryIn,
    RecoveryOut,
    recoveries_out,
    recovery_out,
)
from crm_support.web import SettingsDep

router = APIRouter(prefix="/v1/tickets/{ticket_id}/recoveries", tags=["recoveries"])


def approver_of(principal: Principal) -> rules.Approver:
    return rules.Approver(
        subject=principal.subject,
        role=principal.role,
        admin=grants(principal, Permission.SUPPORT_MANAGE),
        manages_team=bool(principal.managed_teams),
    )


@router.post(
    "",
    dependencies=[requires(Permission.SUPPORT_WRITE)],
    status_code=201,
    response_model=RecoveryOut,
    responses=problem_responses(
        403,
        s403="Without the permission, or over a limit (recovery-over-limit: the role's limit "
        "or the customer's actual loss; a manager may exceed them), or a role that may not "
        "approve recoveries (recovery-not-allowed)",
    ),
    summary="Record a service recovery on a ticket (compensation, goodwill), with its cost",
    description="The ticket's total recovery cost, this one included, may not pass the "
    "caller's role limit (CRM_SUPPORT_RECOVERY_LIMITS; an admin not listed has none) nor the "
    "customer's actual loss (when recorded). A manager (support:manage, a team's manager, or "
    "the ticket's manager or senior) may, and `over_limit` records it. The currency must be "
    "that of the ticket's other recoveries (422). Publishes `RecoveryRecorded`. Send an "
    "`Idempotency-Key` so that a retry cannot record it twice.",
)
async def record_recovery(
    ticket_id: UUID,
    body: RecoveryIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        recovery = await service.record_recovery(
            uow, str(ticket_id), body.new(), approver_of(principal), settings
        )
        return json_response(recovery_out(recovery), status_code=201)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=RecoveriesOut,
    summary="A ticket's service recoveries, with the total cost per currency",
)
async def list_recoveries(ticket_id: UUID, uow: UnitOfWorkDep) -> RecoveriesOut:
    return recoveries_out(await service.list_recoveries(uow, str(ticket_id)))
