"""/v1/corrective-actions: review the surveys for weak items (each opens an action for its
department), list, read and work an action to done."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from crm_support.corrective_actions import service
from crm_support.corrective_actions.repository import ActionQuery
from crm_support.corrective_actions.schemas import (
    ActionFilter,
    ActionOut,
    ActionPatch,
    ReviewOut,
    action_out,
)
from crm_support.web import SettingsDep

router = APIRouter(
    prefix="/v1/corrective-actions", tags=["corrective actions"], route_class=IfMatchRoute
)


@router.post(
    "/review",
    dependencies=[requires(Permission.SUPPORT_MANAGE)],
    response_model=ReviewOut,
    summary="Review the follow-up surveys now: each weak item opens a corrective action",
    description="Per department and survey item, over the last CRM_SUPPORT_CORRECTIVE_"
    "WINDOW_DAYS days and the current questionnaire version only (a revised questionnaire "
    "is judged apart), the mean score of at least CRM_SUPPORT_CORRECTIVE_MIN_ANSWERS "
    "answers under CRM_SUPPORT_CORRECTIVE_WEAK_MEAN opens an action for the department, "
    "unless one is open on it already: reviewing again opens nothing new. The same review "
    "runs weekly (CRM_SUPPORT_CORRECTIVE_REVIEW_CRON). Publishes `CorrectiveActionOpened`.",
)
async def review(uow: UnitOfWorkDep, settings: SettingsDep, principal: PrincipalDep) -> ReviewOut:
    opened = await service.review(uow, settings, principal.subject)
    answer = ReviewOut(opened=[action_out(action) for action in opened])
    await uow.commit()
    return answer


@router.get(
    "",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=Page[ActionOut],
    summary="List corrective actions (by department, by state), oldest first",
)
async def list_actions(
    filters: Annotated[ActionFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[ActionOut]:
    query = ActionQuery(
        department=filters.department, state=filters.state.value if filters.state else None
    )
    found = await service.search_actions(uow, query, cursor, limit, count=total)
    return page_of(found, limit, action_out)


@router.get(
    "/{action_id}",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=ActionOut,
    summary="Read a corrective action with the evidence it was opened on",
)
async def get_action(action_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    action = await service.get_action(uow, str(action_id))
    return json_response(action_out(action), version=action.version)


@router.patch(
    "/{action_id}",
    dependencies=[requires(Permission.SUPPORT_WRITE)],
    response_model=ActionOut,
    summary="Work a corrective action: owner, due date, plan, state",
    description="open → in_progress → done (needs `resolution`); open or in_progress → "
    "dismissed (needs `dismissal_reason`). Publishes `CorrectiveActionChanged`.",
    responses=problem_responses(
        409,
        422,
        s409="the move is not allowed from the action's state (`allowed` lists those that "
        "are), or the action is done or dismissed",
        s422="done without a resolution, dismissed without a reason, or another invalid field",
    ),
)
async def change_action(
    action_id: UUID, body: ActionPatch, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    action = await service.change_action(uow, str(action_id), body.change(), expected)
    answer = json_response(action_out(action), version=action.version)
    await uow.commit()
    return answer
