"""/v1/visits (record, list, read), /v1/follow-up-calls (list, read, record the outcome)
and /v1/reports/follow-ups (per staff member)."""

from typing import Annotated, Any, TypeVar
from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.cursors import Slice
from crm_shared.fields import TimeZone
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from crm_support.follow_ups import service
from crm_support.follow_ups.schemas import (
    CallFilter,
    CallOut,
    FollowUpReportOut,
    OutcomeIn,
    VisitIn,
    VisitOut,
)
from crm_support.reports.rules import PERIOD_FORMS
from crm_support.web import ActorDep, SettingsDep

router = APIRouter()

T = TypeVar("T", bound=BaseModel)

READ = [requires(Permission.SUPPORT_READ)]
WRITE = [requires(Permission.SUPPORT_WRITE)]


def _page(found: Slice[Any], out: type[T], limit: int) -> Page[T]:
    items = [out.model_validate(item, from_attributes=True) for item in found.items]
    return Page(items=items, next_cursor=found.next_cursor, limit=limit)


# --- visits --------------------------------------------------------------------------------


@router.post(
    "/v1/visits",
    tags=["visits"],
    dependencies=WRITE,
    status_code=201,
    response_model=VisitOut,
    summary="Record a service visit (a service, a repair, a consultation)",
    description="A fact, like an order: it counts as contact for recency and win-back. "
    "Publishes `VisitRecorded` (without the notes) and schedules the follow-up call, due "
    "CRM_SUPPORT_FOLLOW_UP_CALL_WITHIN (3 days) from now, owned by the visit's staff (else "
    "CRM_SUPPORT_FOLLOW_UP_DEFAULT_OWNER). Send an `Idempotency-Key` so that a retry cannot "
    "record it twice.",
    responses=problem_responses(
        422, s422="an unknown or erased customer, a visit in the future, or an invalid field"
    ),
)
async def record_visit(
    body: VisitIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        visit = await service.record_visit(uow, body, settings, actor=actor)
        return json_response(
            VisitOut.model_validate(visit), status_code=201, location=f"/v1/visits/{visit.id}"
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "/v1/visits",
    tags=["visits"],
    dependencies=READ,
    response_model=Page[VisitOut],
    summary="List service visits (one customer's, or all), oldest first",
)
async def list_visits(
    uow: UnitOfWorkDep,
    limit: LimitDep,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    cursor: CursorDep = None,
) -> Page[VisitOut]:
    found = await service.list_visits(uow, customer_id, cursor, limit)
    return _page(found, VisitOut, limit)


@router.get(
    "/v1/visits/{visit_id}",
    tags=["visits"],
    dependencies=READ,
    response_model=VisitOut,
    summary="A service visit",
)
async def get_visit(visit_id: UUID, uow: UnitOfWorkDep) -> VisitOut:
    return VisitOut.model_validate(await service.get_visit(uow, str(visit_id)))


# --- follow-up calls -----------------------------------------------------------------------


@router.get(
    "/v1/follow-up-calls",
    tags=["follow-up calls"],
    dependencies=READ,
    response_model=Page[CallOut],
    summary="List follow-up calls (an owner's, open or done, overdue or due today), by due time",
)
async def list_calls(
    filters: Annotated[CallFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
) -> Page[CallOut]:
    found = await service.list_calls(uow, filters, cursor, limit)
    return _page(found, CallOut, limit)


@router.get(
    "/v1/follow-up-calls/{call_id}",
    tags=["follow-up calls"],
    dependencies=READ,
    response_model=CallOut,
    summary="A follow-up call",
)
async def get_call(call_id: UUID, uow: UnitOfWorkDep) -> CallOut:
    return CallOut.model_validate(await service.get_call(uow, str(call_id)))


@router.post(
    "/v1/follow-up-calls/{call_id}/outcome",
    tags=["follow-up calls"],
    dependencies=WRITE,
    response_model=CallOut,
    summary="Record what the customer said on a follow-up call (the call is then done)",
    description="Leave out a question not asked. `problem_fixed: false` or `satisfied: false` "
    "opens a service-quality complaint at once (channel phone, received by the call's owner; "
    "`complaint_ticket_id` names it). Publishes `FollowUpCallDone`; the due reminder is "
    "cancelled.",
    responses=problem_responses(
        409,
        422,
        s409="the call is done already (follow-up-call-done)",
        s422="an invalid field, or a complaint to open for a customer the support service "
        "no longer knows (erased)",
    ),
)
async def record_outcome(
    call_id: UUID, body: OutcomeIn, uow: UnitOfWorkDep, settings: SettingsDep, actor: ActorDep
) -> JSONResponse:
    call = await service.record_outcome(uow, str(call_id), body, settings, actor=actor)
    answer = json_response(CallOut.model_validate(call))
    await uow.commit()
    return answer


# --- the report ----------------------------------------------------------------------------


@router.get(
    "/v1/reports/follow-ups",
    tags=["reports"],
    dependencies=READ,
    response_model=FollowUpReportOut,
    summary="Follow-up calls of a week or a month, per staff member",
    description="Over the calls due in the period, per owner: due, done, on time (done by "
    "the due time), overdue (still open past it), problem not fixed, dissatisfied, leads "
    "spotted. The period runs from midnight to midnight in `tz` (UTC by default).",
    responses=problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}, or an unknown tz"),
)
async def follow_up_report(
    uow: UnitOfWorkDep,
    period: Annotated[
        str, Query(max_length=20, description=PERIOD_FORMS, examples=["2026-W49", "2026-12"])
    ],
    tz: Annotated[TimeZone, Query(description="IANA time zone of the period's midnights")] = "UTC",
) -> FollowUpReportOut:
    return FollowUpReportOut.model_validate(await service.follow_up_report(uow, period, tz))
