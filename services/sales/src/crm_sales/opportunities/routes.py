"""/v1/opportunities: open, read, list, change and move through the stages, the stage
history, and an owner's hand-over."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.contracts.sales import OpportunityStage
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_sales.opportunities import reassign, rules, search, service
from crm_sales.opportunities.models import Opportunity
from crm_sales.opportunities.schemas import (
    HandoverIn,
    HandoverOut,
    HistoryOut,
    OpportunityCreate,
    OpportunityFilter,
    OpportunityOut,
    OpportunityUpdate,
    StageChangeOut,
    StageTime,
)
from crm_sales.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/opportunities", tags=["opportunities"], route_class=IfMatchRoute)

DAY = 86_400.0


def location_of(opportunity_id: str) -> str:
    return f"/v1/opportunities/{opportunity_id}"


def opportunity_out(opportunity: Opportunity) -> OpportunityOut:
    return OpportunityOut(
        id=opportunity.id,
        name=opportunity.name,
        customer_id=opportunity.customer_id,
        lead_id=opportunity.lead_id,
        owner=opportunity.owner,
        stage=OpportunityStage(opportunity.stage),
        probability=opportunity.probability,
        probability_overridden=opportunity.probability_overridden,
        probability_reason=opportunity.probability_override_reason,
        amount=opportunity.amount,
        currency=opportunity.currency,
        weighted_amount=opportunity.weighted_amount,
        expected_close_date=opportunity.expected_close_date,
        loss_reason=opportunity.loss_reason,
        competitor=opportunity.competitor,
        stage_entered_at=opportunity.stage_entered_at,
        closed_at=opportunity.closed_at,
        version=opportunity.version,
        created_at=opportunity.created_at,
        updated_at=opportunity.updated_at,
    )


@router.post(
    "",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=OpportunityOut,
    summary="Open an opportunity on a customer",
    description="At an open stage (contact by default) with the stage's probability. The "
    "customer must be one the sales service knows and the caller reaches (else 422 unknown "
    "customer); a merged customer's id opens it on the survivor. Left out, the owner is the "
    "person creating it; a rep may name only themselves or nobody, a manager also their team "
    "(403). Send an `Idempotency-Key` so that a retry cannot open it twice.",
)
async def create_opportunity(
    body: OpportunityCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    principal: PrincipalDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    default_owner = None if principal.is_client else principal.subject

    async def action() -> JSONResponse:
        opportunity = await service.create_opportunity(
            uow, settings, body, actor=actor, default_owner=default_owner, scope=access.scope
        )
        return json_response(
            opportunity_out(opportunity),
            status_code=201,
            version=opportunity.version,
            location=location_of(opportunity.id),
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[OpportunityOut],
    summary="List and filter opportunities",
    description="Those within the caller's reach (a rep: their own, their managed teams' "
    "and the unowned). Keyset pagination: nothing is lost or repeated between pages.",
)
async def list_opportunities(
    filters: Annotated[OpportunityFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[OpportunityOut]:
    found = await search.search_opportunities(
        uow, filters, cursor, limit, access.scope, count=total
    )
    return page_of(found, limit, opportunity_out)


@router.post(
    "/handover",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=HandoverOut,
    summary="Hand every open opportunity of an owner to another",
    description="When an owner leaves (or changes territory): every OPEN opportunity of "
    "`from_owner` goes to `to_owner`, each with its `OpportunityChanged`; closed ones keep "
    "their owner (the record of who won or lost them). An admin may, or the manager of both "
    "owners' teams (else 403).",
)
async def hand_over(body: HandoverIn, uow: UnitOfWorkDep, access: AccessDep) -> HandoverOut:
    moved = await reassign.hand_over(uow, body.from_owner, body.to_owner, access.scope)
    await uow.commit()
    return HandoverOut(from_owner=body.from_owner, to_owner=body.to_owner, moved=moved)


@router.get(
    "/{opportunity_id}",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=OpportunityOut,
    summary="Read an opportunity (with its ETag)",
)
async def get_opportunity(
    opportunity_id: UUID, uow: UnitOfWorkDep, access: AccessDep
) -> JSONResponse:
    opportunity = await service.get_opportunity(uow, str(opportunity_id), access.scope)
    return json_response(opportunity_out(opportunity), version=opportunity.version)


@router.patch(
    "/{opportunity_id}",
    dependencies=[requires(Permission.SALES_WRITE)],
    response_model=OpportunityOut,
    summary="Change an opportunity, move it through the stages, override its probability",
    description="Only the fields sent change. `stage` sets the stage's probability "
    "(`lost` needs `loss_reason`; a won or lost one reopens only to an open stage with a "
    "`stage_reason`, and won and lost never swap directly). A stage move resets a "
    "probability override to the new stage's default (recorded in the history). "
    "`probability` with `probability_reason` overrides it on an open opportunity; "
    "`probability: null` returns to the stage's default. A rule broken is 422.",
)
async def update_opportunity(
    opportunity_id: UUID,
    body: OpportunityUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    actor: ActorDep,
) -> JSONResponse:
    opportunity = await service.patch_opportunity(
        uow, settings, str(opportunity_id), body, expected, access.scope, actor
    )
    await uow.commit()
    return json_response(opportunity_out(opportunity), version=opportunity.version)


@router.get(
    "/{opportunity_id}/history",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=HistoryOut,
    summary="The stage history, with the time spent in each stage",
)
async def stage_history(opportunity_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> HistoryOut:
    history = await search.stage_history(uow, str(opportunity_id), access.scope)
    visits = rules.visits_of([(change.to_stage, change.changed_at) for change in history.changes])
    changes = [
        StageChangeOut(
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            probability=change.probability,
            reason=change.reason,
            changed_by=change.changed_by,
            changed_at=change.changed_at,
            seconds_in_stage=rules.seconds_in(visit, history.now),
            current=visit.until is None,
        )
        for change, visit in zip(history.changes, visits, strict=True)
    ]
    totals = rules.total_seconds_per_stage(visits, history.now)
    return HistoryOut(
        opportunity_id=history.opportunity.id,
        stage=OpportunityStage(history.opportunity.stage),
        changes=changes,
        time_in_stage=[
            StageTime(stage=OpportunityStage(stage), seconds=seconds, days=round(seconds / DAY, 2))
            for stage, seconds in totals.items()
        ],
    )
