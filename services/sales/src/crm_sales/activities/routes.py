"""/v1/activities: schedule, list (and "my overdue and today's"), read, change, complete."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.fields import TimeZone
from fastapi import APIRouter, Depends, Query, Request, Response, params
from fastapi.responses import JSONResponse

from crm_sales.activities import service
from crm_sales.activities.models import Activity
from crm_sales.activities.repository import ActivityQuery
from crm_sales.activities.schemas import (
    ActivityCreate,
    ActivityFilter,
    ActivityOut,
    ActivityUpdate,
    CompleteIn,
)
from crm_sales.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/activities", tags=["activities"], route_class=IfMatchRoute)


def activity_out(activity: Activity) -> ActivityOut:
    return ActivityOut.model_validate(activity, from_attributes=True)


async def activity_within_reach(activity_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> None:
    await service.ensure_reachable(uow, str(activity_id), access.scope)


def on_an_activity(permission: Permission) -> list[params.Depends]:
    return [requires(permission), Depends(activity_within_reach)]


async def _page(
    uow: UnitOfWorkDep,
    query: ActivityQuery,
    cursor: str | None,
    limit: int,
    access: AccessDep,
    total: bool,
) -> Page[ActivityOut]:
    page = await service.search_activities(
        uow, query, decode_cursor(cursor), limit, access.scope, count=total
    )
    return Page[ActivityOut](
        items=[activity_out(activity) for activity in page.items],
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
        limit=limit,
        total=page.total,
    )


@router.post(
    "",
    dependencies=[requires(Permission.SALES_WRITE)],
    status_code=201,
    response_model=ActivityOut,
    summary="Schedule an activity (a reminder fires when it falls due)",
    description="A visit, call, e-mail or meeting names its lead, opportunity or customer; "
    "a task may stand alone. The owner is the caller unless given. With `due_at`, a "
    "reminder (`crm.sales.activity_due.v1`) fires then, less CRM_SALES_REMINDER_LEAD_MINUTES.",
    responses=problem_responses(403, s403="no sales:write, or an owner the caller may not assign"),
)
async def create_activity(
    body: ActivityCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        activity = await service.create_activity(
            uow, body, settings, actor=actor, scope=access.scope
        )
        return json_response(
            activity_out(activity),
            status_code=201,
            version=activity.version,
            location=f"/v1/activities/{activity.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[ActivityOut],
    summary="List activities (owner, overdue or due today, done, linked record)",
    description="With `due`, in due-time order; otherwise in creation order.",
)
async def list_activities(
    filters: Annotated[ActivityFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[ActivityOut]:
    return await _page(uow, service.query_of(filters, uow), cursor, limit, access, total)


@router.get(
    "/mine",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=Page[ActivityOut],
    summary="My overdue and today's open activities, by due time",
)
async def my_activities(
    uow: UnitOfWorkDep,
    limit: LimitDep,
    access: AccessDep,
    actor: ActorDep,
    tz: Annotated[
        TimeZone, Query(description="IANA time zone of 'today', e.g. Europe/Berlin")
    ] = "UTC",
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[ActivityOut]:
    return await _page(uow, service.mine_query(actor, tz, uow), cursor, limit, access, total)


@router.get(
    "/{activity_id}",
    dependencies=on_an_activity(Permission.SALES_READ),
    response_model=ActivityOut,
    summary="Read an activity",
)
async def get_activity(activity_id: UUID, uow: UnitOfWorkDep, access: AccessDep) -> JSONResponse:
    activity = await service.get_activity(uow, str(activity_id), access.scope)
    return json_response(activity_out(activity), version=activity.version)


@router.patch(
    "/{activity_id}",
    dependencies=on_an_activity(Permission.SALES_WRITE),
    response_model=ActivityOut,
    summary="Change an activity (its reminder moves with its due time)",
    responses=problem_responses(409, s409="the activity is done"),
)
async def update_activity(
    activity_id: UUID,
    body: ActivityUpdate,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
) -> JSONResponse:
    activity = await service.patch_activity(
        uow, str(activity_id), body, settings, expected, access.scope
    )
    await uow.commit()
    return json_response(activity_out(activity), version=activity.version)


@router.post(
    "/{activity_id}/complete",
    dependencies=on_an_activity(Permission.SALES_WRITE),
    response_model=ActivityOut,
    summary="Mark an activity done, with its outcome (its lead is re-scored)",
    responses=problem_responses(409, s409="the activity is done already"),
)
async def complete_activity(
    activity_id: UUID,
    body: CompleteIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    access: AccessDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        activity = await service.complete_activity(
            uow, str(activity_id), body.outcome, settings, expected, access.scope
        )
        return json_response(activity_out(activity), version=activity.version)

    return await respond_idempotently(request, uow, idempotency_key, action)
