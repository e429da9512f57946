"""Follow-up surveys: the questionnaire; an agent's answer on the call
(``/v1/tickets/{id}/survey``); the customer's signed link and its public pages
(``/v1/surveys/{token}``, HTML, no login)."""

from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

from crm_shared.api.auth import public, requires
from crm_shared.api.deps import IdempotencyKeyDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.openapi import problem_responses
from crm_shared.api.pages import charge_by_address, html_doc, html_page
from crm_shared.api.problems import PROBLEM_JSON
from crm_shared.api.responses import json_response
from crm_shared.auth.permissions import Permission
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, DomainError, InvalidError
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from crm_support.settings import SupportSettings
from crm_support.surveys import links, pages, service
from crm_support.surveys.schemas import (
    LinkOut,
    QuestionnaireOut,
    SurveyIn,
    SurveyOut,
    link_out,
    survey_out,
)
from crm_support.web import ActorDep, SettingsDep

router = APIRouter(tags=["surveys"])

FORM = "application/x-www-form-urlencoded"
# The token is the key to the survey: never cached, never sent on as a Referer.
NOT_RESOLVED = "ticket-not-resolved"


_PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: html_doc("No survey at this address (an unknown or altered link)"),
    409: html_doc("The survey was answered already, or cannot be answered now"),
    410: html_doc("The link has expired"),
    429: {"description": "Over CRM_RATE_LIMIT_PER_MINUTE pages a minute from one address"},
}
_FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "description": "Per item of the questionnaire: `score-<item>` (1-5) and "
                    "an optional `expected-<item>` (1-5); at least one item answered",
                    "properties": {"comment": {"type": "string", "maxLength": pages.MAX_COMMENT}},
                    "additionalProperties": {"type": "string", "enum": ["1", "2", "3", "4", "5"]},
                }
            }
        },
    }
}


def survey_path(ticket_id: str) -> str:
    return f"/v1/tickets/{ticket_id}/survey"


@router.get(
    "/v1/surveys/questionnaire",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=QuestionnaireOut,
    summary="The current follow-up questionnaire: its version and items",
    description="Items and version come from CRM_SUPPORT_SURVEY_ITEMS and "
    "CRM_SUPPORT_SURVEY_QUESTIONNAIRE_VERSION.",
)
async def questionnaire(settings: SettingsDep) -> QuestionnaireOut:
    return QuestionnaireOut(
        version=settings.survey_questionnaire_version, items=settings.survey_items
    )


@router.post(
    "/v1/tickets/{ticket_id}/survey",
    dependencies=[requires(Permission.SUPPORT_WRITE)],
    status_code=201,
    response_model=SurveyOut,
    responses=problem_responses(
        409,
        s409="the ticket is not resolved yet (ticket-not-resolved), or has its survey "
        "already (survey-exists)",
    ),
    summary="Record the follow-up survey of a resolved ticket (the agent, on the call)",
    description="Answers items of the current questionnaire (422 naming any other), each at "
    "most once; not every item need be answered, but at least one. The ticket must be "
    "resolved, followed up or closed. `dissatisfied` is true when any score is at or under "
    "CRM_SUPPORT_SURVEY_DISSATISFIED_SCORE. Publishes `SurveyAnswered`. Send an "
    "`Idempotency-Key` so that a retry cannot record it twice.",
)
async def answer_survey(
    ticket_id: UUID,
    body: SurveyIn,
    request: Request,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        answers = [answer.plain() for answer in body.answers]
        record = await service.answer_survey(
            uow, str(ticket_id), answers, body.comment, settings, actor
        )
        return json_response(
            survey_out(record), status_code=201, location=survey_path(str(ticket_id))
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get(
    "/v1/tickets/{ticket_id}/survey",
    dependencies=[requires(Permission.SUPPORT_READ)],
    response_model=SurveyOut,
    summary="Read a ticket's follow-up survey (404 until it is answered)",
)
async def get_survey(ticket_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep) -> SurveyOut:
    return survey_out(await service.get_survey(uow, str(ticket_id), settings))


@router.post(
    "/v1/tickets/{ticket_id}/survey-link",
    dependencies=[requires(Permission.SUPPORT_WRITE)],
    response_model=LinkOut,
    responses=problem_responses(
        409, s409="the ticket is not resolved yet, or has its survey already"
    ),
    summary="A signed link the customer answers the survey through, without logging in",
    description="The link carries only the ticket's id, signed with "
    "CRM_SUPPORT_SURVEY_LINK_SECRET (when not set, a key generated once into "
    "`<data dir>/support-survey-key`), and works for CRM_SUPPORT_SURVEY_LINK_DAYS. Nothing "
    "is stored: asking again gives another link to the same survey, which is answered once.",
)
async def make_link(ticket_id: UUID, uow: UnitOfWorkDep, settings: SettingsDep) -> LinkOut:
    return link_out(await service.make_link(uow, str(ticket_id), settings))


def _refusal(error: DomainError) -> HTMLResponse:
    """The error page of a refused link: it says nothing of the ticket behind it."""
    if isinstance(error, links.ExpiredLinkError):
        title, message = "Link expired", "This survey link has expired. Thank you all the same."
    elif isinstance(error, ConflictError) and error.code == NOT_RESOLVED:
        title, message = "Not yet", "This survey cannot be answered at the moment."
    elif isinstance(error, ConflictError):
        title, message = "Already answered", "This survey has been answered already. Thank you!"
    else:
        title, message = "Not found", "There is no survey at this address."
    return html_page(pages.error_page(title, message), error.status)


def _charge(request: Request, settings: SupportSettings) -> None:
    """The public pages have no token to count by: they count by address, at a person's
    rate (CRM_RATE_LIMIT_PER_MINUTE)."""
    charge_by_address(request, "survey-page", settings.rate_limit_per_minute)


# Public on purpose: the signed token is the customer's key to one ticket's survey.
@router.get(
    "/v1/surveys/{token}",
    dependencies=[public()],
    response_class=HTMLResponse,
    responses={200: html_doc("The survey form"), **_PAGE_ERRORS},
    summary="The customer's survey form (public: the signed link is the key)",
)
async def survey_form(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep
) -> HTMLResponse:
    _charge(request, settings)
    try:
        await service.ticket_of_link(uow, token, settings)
    except (links.BadLinkError, links.ExpiredLinkError, ConflictError) as error:
        return _refusal(error)
    return html_page(pages.form_page(settings.survey_items))


@router.post(
    "/v1/surveys/{token}",
    dependencies=[public()],
    status_code=201,
    response_class=HTMLResponse,
    openapi_extra=_FORM_BODY,
    responses={
        201: html_doc("The answers are stored: a thank-you page"),
        400: html_doc("The form cannot be read"),
        415: html_doc(f"The form is not sent as {FORM}"),
        422: {
            "description": "The form again, saying what to correct (HTML); a path with "
            "control characters is refused before (problem details)",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}},
            },
        },
        **_PAGE_ERRORS,
    },
    summary="Answer the survey through the signed link (a form post; public)",
    description='Stored as the agent\'s answer is, with `answered_by` "customer"; publishes '
    "`SurveyAnswered`. Answers 201 with a thank-you page.",
)
async def answer_through_link(
    token: str, request: Request, uow: UnitOfWorkDep, settings: SettingsDep
) -> HTMLResponse:
    _charge(request, settings)
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        return html_page(pages.error_page("Not a form", f"Send the form as {FORM}."), 415)
    try:
        pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return html_page(pages.error_page("Not a form", "The form cannot be read."), 400)
    return await _store_form(uow, token, pairs, settings)


async def _store_form(
    uow: UnitOfWork, token: str, pairs: list[tuple[str, str]], settings: SupportSettings
) -> HTMLResponse:
    refusals = (links.BadLinkError, links.ExpiredLinkError, ConflictError)
    try:
        await service.ticket_of_link(uow, token, settings)  # the link first, then the form
    except refusals as error:
        return _refusal(error)
    try:
        answers, comment = pages.answers_from_form(pairs, settings.survey_items)
        await service.answer_through_link(uow, token, answers, comment, settings)
    except (pages.FormError, InvalidError) as error:
        sent = dict(reversed(pairs))  # the first of a repeated field, as the refusal said
        form = pages.form_page(settings.survey_items, error=error.message, sent=sent)
        return html_page(form, 422)
    except refusals as error:  # answered meanwhile, through another tab
        await uow.rollback()
        return _refusal(error)
    await uow.commit()
    return html_page(pages.thanks_page(), 201)
