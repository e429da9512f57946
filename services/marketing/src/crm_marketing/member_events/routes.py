"""/v1/member-events: plan a club event or a lecture (its invitations, reminder and
cancellation go as steps of its own campaign), list, read, cancel."""

from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, decode_cursor, encode_cursor
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_marketing.campaigns.schemas import MessageIn
from crm_marketing.member_events import service
from crm_marketing.member_events.rules import Step
from crm_marketing.member_events.schemas import (
    MemberEventCancel,
    MemberEventCreate,
    MemberEventOut,
)
from crm_marketing.member_events.service import MemberEventView
from crm_marketing.web import ActorDep, SettingsDep

router = APIRouter(prefix="/v1/member-events", tags=["member events"], route_class=IfMatchRoute)


def _message(content: dict[str, object] | None) -> MessageIn | None:
    return None if content is None else MessageIn.model_validate(content)


def member_event_out(view: MemberEventView) -> MemberEventOut:
    event, campaign = view.event, view.campaign
    steps = campaign.step_messages or {}
    fields = {
        name: getattr(event, name)
        for name in MemberEventOut.model_fields
        if name not in ("invitation", "reminder", "cancellation")
    }
    return MemberEventOut.model_validate(
        {
            **fields,
            "invitation": MessageIn(
                subject=campaign.subject, body=campaign.body, html=campaign.html
            ),
            "reminder": _message(steps.get(str(Step.REMINDER))),
            "cancellation": _message(steps.get(str(Step.CANCELLATION))),
        }
    )


def _answer(view: MemberEventView, *, status_code: int = 200) -> JSONResponse:
    return json_response(
        member_event_out(view), status_code=status_code, version=view.event.version
    )


@router.post(
    "",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    status_code=201,
    response_model=MemberEventOut,
    summary="Plan a member event (a club event, a lecture) and invite the segment's members",
    description="The invitations go at once (or at `invite_at`), the reminder "
    "`reminder_lead_hours` before the event to those whose invitation was sent: steps of the "
    "event's own campaign (`campaign_id`), each once per member, with every consent rule. "
    "Fields that contradict each other (an e-mail without a subject, the reminder before the "
    "invitations, an event past) are a 422 `member-event-inconsistent`.",
)
async def create_member_event(
    body: MemberEventCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        view = await service.create(uow, body, settings, actor=actor)
        return json_response(
            member_event_out(view),
            status_code=201,
            version=view.event.version,
            location=f"/v1/member-events/{view.event.id}",
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=Page[MemberEventOut],
    summary="List member events, soonest first",
)
async def list_member_events(
    uow: UnitOfWorkDep, limit: LimitDep, cursor: CursorDep = None, total: TotalDep = False
) -> Page[MemberEventOut]:
    page = await service.list_events(uow, decode_cursor(cursor), limit, count=total)
    return Page[MemberEventOut](
        items=[member_event_out(view) for view in page.items],
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
        limit=limit,
        total=page.total,
    )


@router.get(
    "/{event_id}",
    dependencies=[requires(Permission.CAMPAIGNS_READ)],
    response_model=MemberEventOut,
    summary="Read a member event",
)
async def get_member_event(event_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    return _answer(await service.load(uow, str(event_id)))


@router.post(
    "/{event_id}/cancel",
    dependencies=[requires(Permission.CAMPAIGNS_WRITE)],
    response_model=MemberEventOut,
    summary="Cancel: those invited are told; the reminder does not go",
    responses=problem_responses(409, s409="the event is cancelled already or has started"),
)
async def cancel_member_event(
    event_id: UUID,
    uow: UnitOfWorkDep,
    expected: ExpectedVersionDep,
    settings: SettingsDep,
    body: MemberEventCancel | None = None,
) -> JSONResponse:
    view = await service.cancel_event(uow, str(event_id), body, expected, settings)
    await uow.commit()
    return _answer(view)
