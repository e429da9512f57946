"""/v1/tickets: open, list (the queue), read with its history, change, move through the
flow, record contacts, notes and hand-overs, escalate, promise a reply."""

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from crm_shared.api.auth import PrincipalDep, requires
from crm_shared.api.concurrency import (
    IF_MATCH,
    ExpectedVersionDep,
    IfMatchRoute,
    parse_if_match,
)
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission, grants
from crm_shared.cursors import decode_cursor
from crm_shared.db import UnitOfWork
from crm_shared.preconditions import ExpectedVersion
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_support.tickets import actions, queue, service
from crm_support.tickets.models import Ticket
from crm_support.tickets.repository import TicketQuery
from crm_support.tickets.schemas import (
    ContactIn,
    EscalateIn,
    HandoverIn,
    HistoryOut,
    NextStepOut,
    NoteIn,
    PromiseIn,
    TargetOut,
    TicketCreate,
    TicketFilter,
    TicketOut,
    TicketPatch,
    TicketSummary,
    TransitionIn,
)
from crm_support.web import SettingsDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], route_class=IfMatchRoute)

# The actions on a ticket take an optional If-Match (see optional_if_match).
OPTIONAL_IF_MATCH = " Optional `If-Match`: the ETag you read (412 when the ticket changed since)."

READ = [requires(Permission.SUPPORT_READ)]
WRITE = [requires(Permission.SUPPORT_WRITE)]


async def optional_if_match(
    if_match: Annotated[str | None, Header(alias=IF_MATCH, include_in_schema=False)] = None,
) -> ExpectedVersion:
    """The actions on a ticket (a transition, a contact, a note, a hand-over) may name the
    version read in If-Match (412 when the ticket changed since); without it they apply to
    the ticket as it is now, and the flow refuses what no longer fits. (The header stays out
    of the OpenAPI document, whose conventions make every If-Match it names required; the
    operations say it in words.)"""
    if if_match is None:
        return ExpectedVersion(any_version=True)
    return parse_if_match(if_match)


OptionalVersionDep = Annotated[ExpectedVersion, Depends(optional_if_match)]


async def get_caller(principal: PrincipalDep) -> service.Caller:
    return service.Caller(principal.subject, grants(principal, Permission.SUPPORT_MANAGE))


CallerDep = Annotated[service.Caller, Depends(get_caller)]


def _summary_fields(found: service.TicketDetails) -> dict[str, object]:
    names = [name for name in TicketSummary.model_fields if name != "targets"]
    fields: dict[str, object] = {name: getattr(found.ticket, name) for name in names}
    fields["targets"] = [TargetOut.model_validate(target) for target in found.targets]
    return fields


def ticket_out(found: service.TicketDetails) -> TicketOut:
    return TicketOut.model_validate(
        {
            **_summary_fields(found),
            "history": [HistoryOut.model_validate(entry) for entry in found.history],
            "allowed_actions": [
                NextStepOut.model_validate(step) for step in actions.next_steps(found.ticket)
            ],
        }
    )


def summary_out(found: service.TicketDetails) -> TicketSummary:
    return TicketSummary.model_validate(_summary_fields(found))


async def _answer(
    uow: UnitOfWork, ticket: Ticket, settings: SettingsDep, status_code: int = 200
) -> JSONResponse:
    found = await service.details(uow, ticket, settings)
    return json_response(
        ticket_out(found),
        status_code=status_code,
        version=ticket.version,
        location=f"/v1/tickets/{ticket.id}" if status_code == 201 else None,
    )


async def _commit_and_answer(
    uow: UnitOfWork, settings: SettingsDep, change: Callable[[], Awaitable[Ticket]]
) -> JSONResponse:
    ticket = await change()
    answer = await _answer(uow, ticket, settings)
    await uow.commit()
    return answer


@router.post(
    "",
    dependencies=WRITE,
    status_code=201,
    response_model=TicketOut,
    summary="Open a ticket (a complaint, an inquiry or a request)",
    description="The receiver owns it until it is closed. Its targets start (first contact "
    "2 h, proposal 1 day, scaled by the priority, in business time); a complaint that meets "
    "a major rule (VIP customer or complainant, high intensity, a large compensation "
    "demand, a repeat complaint) is major at once: escalated to the owner's manager and "
    "senior management, with a major_reply target.",
    responses=problem_responses(
        422,
        s422="an unknown or erased customer, a cause the "
        "category does not admit, or another invalid field",
    ),
)
async def create_ticket(
    body: TicketCreate,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    caller: CallerDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        ticket = await service.create_ticket(uow, body, settings, actor=caller.id)
        return await _answer(uow, ticket, settings, status_code=201)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "",
    dependencies=READ,
    response_model=Page[TicketSummary],
    summary="List tickets: the queue (nearest due target first) or by receipt",
)
async def list_tickets(
    filters: Annotated[TicketFilter, Query()],
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[TicketSummary]:
    query = TicketQuery(
        **filters.model_dump(
            include={
                "customer_id",
                "status",
                "owner",
                "team",
                "priority",
                "target_state",
                "kind",
                "major",
                "open",
            }
        )
    )
    found = await queue.search_tickets(
        uow, query, filters.sort.value, decode_cursor(cursor), limit, settings, count=total
    )
    return Page[TicketSummary](
        items=[summary_out(item) for item in found.items],
        next_cursor=found.next_cursor,
        limit=limit,
        total=found.total,
    )


@router.get(
    "/{ticket_id}",
    dependencies=READ,
    response_model=TicketOut,
    summary="Read a ticket with its targets and its whole history, oldest first",
)
async def get_ticket(ticket_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep) -> JSONResponse:
    found = await service.get_ticket(uow, str(ticket_id), settings)
    return json_response(ticket_out(found), version=found.ticket.version)


@router.patch(
    "/{ticket_id}",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Change a ticket (a new priority re-plans its targets)",
    description="Roles (handler, decision maker, follow-up officer: not the handler), "
    "department, priority, the complaint's facts; `inconsistent_answers` (a manager's flag: "
    "makes a complaint major); `grievance: false` (the grievance became a complaint).",
    responses=problem_responses(403, 422, s403="inconsistent_answers set by a non-manager"),
)
async def update_ticket(
    ticket_id: UUID,
    body: TicketPatch,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: ExpectedVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.patch_ticket(uow, str(ticket_id), body, settings, expected, caller),
    )


@router.post(
    "/{ticket_id}/transitions",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Move a ticket through the flow",
    description="An illegal move is 409 with the allowed ones (`allowed`). Waiting on the "
    "customer pauses the targets; going back resumes them. A major complaint closes only "
    "with `lessons_learned` and the sign-off of its manager, senior management or a holder "
    "of support:manage." + OPTIONAL_IF_MATCH,
    responses=problem_responses(
        403,
        409,
        s403="closing a major complaint without the right to sign it off",
        s409="the move is not allowed from the ticket's status, or lessons_learned is missing",
    ),
)
async def move_ticket(
    ticket_id: UUID,
    body: TransitionIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.transition(uow, str(ticket_id), body, settings, expected, caller),
    )


@router.post(
    "/{ticket_id}/contacts",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Record a contact with the customer",
    description="By the owner or the handler it meets first_contact; by senior management "
    "(the ticket's senior, or support:manage) major_reply; any contact a promised reply. "
    "Still unresolved after CRM_SUPPORT_MAJOR_AFTER_CONTACTS contacts, a complaint turns "
    "major." + OPTIONAL_IF_MATCH,
)
async def record_contact(
    ticket_id: UUID,
    body: ContactIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.record_contact(uow, str(ticket_id), body, settings, expected, caller),
    )


@router.post(
    "/{ticket_id}/notes",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Add a note to the ticket's history",
    description=OPTIONAL_IF_MATCH.strip(),
)
async def add_note(
    ticket_id: UUID,
    body: NoteIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow, settings, lambda: service.add_note(uow, str(ticket_id), body.text, expected, caller)
    )


@router.post(
    "/{ticket_id}/handover",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Hand the ticket over to another owner (recorded, with the reason)",
    description="Passed around CRM_SUPPORT_MAJOR_AFTER_HANDOVERS times, a complaint turns "
    "major." + OPTIONAL_IF_MATCH,
    responses=problem_responses(409, s409="the new owner owns it already"),
)
async def hand_over(
    ticket_id: UUID,
    body: HandoverIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.hand_over(uow, str(ticket_id), body, settings, expected, caller),
    )


@router.post(
    "/{ticket_id}/escalate",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Escalate by hand (the owner's manager; with major: senior management)",
    description="With `major` (complaints only) it turns major: senior management and the "
    "major_reply target are added." + OPTIONAL_IF_MATCH,
    responses=problem_responses(409, s409="only a complaint can be made major"),
)
async def escalate(
    ticket_id: UUID,
    body: EscalateIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.escalate(uow, str(ticket_id), body, settings, expected, caller),
    )


@router.post(
    "/{ticket_id}/promises",
    dependencies=WRITE,
    response_model=TicketOut,
    summary="Promise the customer a reply by a time (a promised_reply target)",
    description="The target's budget is the business time from now to `reply_by`; it "
    "replaces an open earlier promise and the next contact meets it." + OPTIONAL_IF_MATCH,
    responses=problem_responses(
        409, 422, s409="the ticket is closed", s422="reply_by is not in business time ahead"
    ),
)
async def promise_reply(
    ticket_id: UUID,
    body: PromiseIn,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    expected: OptionalVersionDep,
    caller: CallerDep,
) -> JSONResponse:
    return await _commit_and_answer(
        uow,
        settings,
        lambda: service.promise_reply(
            uow, str(ticket_id), body.reply_by, settings, expected, caller
        ),
    )
