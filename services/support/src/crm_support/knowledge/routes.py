"""/v1/knowledge: the standard answers (curated by a manager), the report of the questions
that had none; and on a ticket, the answers used (and rated) and those suggested."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.contracts.support import Category
from crm_shared.fields import TimeZone
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_support.knowledge import service
from crm_support.knowledge.models import StandardAnswer
from crm_support.knowledge.rules import Usage
from crm_support.knowledge.schemas import (
    AnswerCreate,
    AnswerFilter,
    AnswerOut,
    AnswerPatch,
    AnswerUsage,
    GapKind,
    GapOut,
    GapsReport,
    SuggestedAnswer,
    Suggestions,
    UseIn,
    UseOut,
)
from crm_support.reports.rules import PERIOD_FORMS
from crm_support.reports.schemas import PeriodOut
from crm_support.web import ActorDep, SettingsDep

router = APIRouter(tags=["knowledge"], route_class=IfMatchRoute)

READ = [requires(Permission.SUPPORT_READ)]
WRITE = [requires(Permission.SUPPORT_WRITE)]
CURATE = [requires(Permission.SUPPORT_MANAGE)]
ANSWERS = "/v1/knowledge/answers"


def answer_out(answer: StandardAnswer) -> AnswerOut:
    names = [name for name in AnswerOut.model_fields if name != "active"]
    return AnswerOut.model_validate(
        {**{name: getattr(answer, name) for name in names}, "active": answer.retired_at is None}
    )


def usage_fields(usage: Usage) -> dict[str, object]:
    return {
        "uses": usage.uses,
        "ratings": usage.ratings,
        "mean_rating": usage.mean_rating,
        "helpful": usage.helpful,
        "not_helpful": usage.not_helpful,
    }


def _answer(answer: StandardAnswer, status_code: int = 200) -> JSONResponse:
    return json_response(
        answer_out(answer),
        status_code=status_code,
        version=answer.version,
        location=f"{ANSWERS}/{answer.id}" if status_code == 201 else None,
    )


@router.post(
    ANSWERS,
    dependencies=CURATE,
    status_code=201,
    response_model=AnswerOut,
    summary="Write a standard answer for an inquiry category (and cause)",
    description="A manager curates the knowledge base. `cause` (optional) narrows the answer "
    "to one cause of the category; without it the answer is the whole category's. Send an "
    "`Idempotency-Key` so that a retry cannot write it twice.",
    responses=problem_responses(422, s422="a cause the category does not admit"),
)
async def create_answer(
    body: AnswerCreate,
    request: Request,
    uow: UnitOfWorkDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        return _answer(await service.create_answer(uow, body, actor=actor), status_code=201)

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    ANSWERS,
    dependencies=READ,
    response_model=Page[AnswerOut],
    summary="List or search the standard answers (oldest first)",
    description="`q` looks for the words in the title or the body, whatever their case; "
    "only the active answers unless `status` says otherwise.",
)
async def list_answers(
    filters: Annotated[AnswerFilter, Query()],
    uow: UnitOfWorkDep,
    limit: LimitDep,
    cursor: CursorDep = None,
    total: TotalDep = False,
) -> Page[AnswerOut]:
    found = await service.search_answers(uow, filters, cursor, limit, count=total)
    return page_of(found, limit, answer_out)


@router.get(
    ANSWERS + "/{answer_id}",
    dependencies=READ,
    response_model=AnswerOut,
    summary="Read a standard answer",
)
async def get_answer(answer_id: UUID, uow: UnitOfWorkDep) -> JSONResponse:
    return _answer(await service.load(uow, str(answer_id)))


@router.patch(
    ANSWERS + "/{answer_id}",
    dependencies=CURATE,
    response_model=AnswerOut,
    summary="Change a standard answer (its next version; its uses keep counting)",
    responses=problem_responses(
        409, 422, s409="the answer is retired", s422="a cause the category does not admit"
    ),
)
async def update_answer(
    answer_id: UUID, body: AnswerPatch, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    answer = await service.patch_answer(uow, str(answer_id), body, expected)
    await uow.commit()
    return _answer(answer)


@router.post(
    ANSWERS + "/{answer_id}/retire",
    dependencies=CURATE,
    response_model=AnswerOut,
    summary="Retire a standard answer: no longer suggested nor used (its past uses count)",
    description="Retiring a retired answer changes nothing.",
)
async def retire_answer(
    answer_id: UUID, uow: UnitOfWorkDep, expected: ExpectedVersionDep, actor: ActorDep
) -> JSONResponse:
    answer = await service.retire_answer(uow, str(answer_id), expected, actor=actor)
    await uow.commit()
    return _answer(answer)


@router.post(
    "/v1/tickets/{ticket_id}/answers",
    dependencies=WRITE,
    status_code=201,
    response_model=UseOut,
    summary="Record that a standard answer was used on the ticket, with its rating",
    description="Once per answer and ticket (201, an `answer_used` entry in the ticket's "
    "history); sent again, it changes the `rating` / `helpful` sent (200, an `answer_rated` "
    "entry when they change). A retired answer can no longer be used (409), but its use can "
    "still be rated.",
    responses={
        200: {"description": "The answer was used on the ticket already: its rating changed"},
        **problem_responses(409, s409="the answer is retired"),
    },
)
async def use_answer(
    ticket_id: UUID, body: UseIn, uow: UnitOfWorkDep, actor: ActorDep
) -> JSONResponse:
    rating = service.Rating(body.rating, body.helpful, frozenset(body.model_fields_set))
    use, new = await service.use_answer(uow, str(ticket_id), body.answer_id, rating, actor=actor)
    await uow.commit()
    return json_response(UseOut.model_validate(use), status_code=201 if new else 200)


@router.get(
    "/v1/tickets/{ticket_id}/suggested-answers",
    dependencies=READ,
    response_model=Suggestions,
    summary="The standard answers suggested for a ticket",
    description="The active answers of the ticket's category: those of its cause first "
    "(when it has one), then the best rated (mean rating; unrated last), then the most used; "
    "at most CRM_SUPPORT_KNOWLEDGE_SUGGESTIONS.",
)
async def suggested_answers(
    ticket_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep
) -> Suggestions:
    ticket, found = await service.suggest(uow, str(ticket_id), settings)
    return Suggestions(
        ticket_id=ticket.id,
        category=Category(ticket.category),
        cause=ticket.cause,
        items=[
            SuggestedAnswer.model_validate(
                {
                    **answer_out(item.answer).model_dump(),
                    **usage_fields(item.usage),
                    "used_on_ticket": item.used_on_ticket,
                }
            )
            for item in found
        ],
    )


@router.get(
    "/v1/knowledge/gaps",
    dependencies=READ,
    response_model=GapsReport,
    summary="The questions that had no standard answer, in a week or a month",
    description="The tickets resolved in the period (inquiries and requests unless `kind` "
    "says otherwise) on which no standard answer was used, counted per category and cause, "
    "with the first CRM_SUPPORT_KNOWLEDGE_GAP_TICKET_IDS ticket ids of each; and the "
    "standard answers used in the period (uses, mean rating, helpful or not). The period "
    "runs from midnight to midnight in `tz` (UTC by default).",
    responses=problem_responses(422, s422=f"A period that is not {PERIOD_FORMS}"),
)
async def gaps_report(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    period: Annotated[
        str,
        Query(max_length=20, description=PERIOD_FORMS, examples=["2026-W49", "2026-12"]),
    ],
    kind: Annotated[
        GapKind | None, Query(description="Default: inquiries and requests; all: every kind")
    ] = None,
    tz: Annotated[TimeZone, Query(description="IANA time zone of the period's midnights")] = "UTC",
) -> GapsReport:
    found = await service.gaps_report(uow, period, kind, settings, tz)
    span = found.period
    return GapsReport(
        period=PeriodOut(label=span.label, start=span.start, end=span.end, tz=span.tz),
        kind=found.kind,
        unanswered=sum(gap.count for gap in found.gaps),
        gaps=[
            GapOut(category=g.category, cause=g.cause, count=g.count, ticket_ids=g.ticket_ids)
            for g in found.gaps
        ],
        usage=[
            AnswerUsage.model_validate(
                {
                    "answer_id": answer.id,
                    "category": answer.category,
                    "cause": answer.cause,
                    "title": answer.title,
                    "active": answer.retired_at is None,
                    **usage_fields(usage),
                }
            )
            for answer, usage in found.usage
        ],
    )
