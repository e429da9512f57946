"""Use cases of follow-up surveys: the questionnaire, an answer (by the agent, or by the
customer through the signed link), reading it back, and making the link."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError

from crm_support.settings import SupportSettings
from crm_support.surveys import links, rules
from crm_support.surveys.events import survey_answered
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.surveys.repository import SurveyRepository
from crm_support.tickets import history
from crm_support.tickets import service as tickets
from crm_support.tickets.models import Ticket

CUSTOMER = "customer"  # answered_by of a survey filled in through the signed link
# Answers the schema cannot refuse: items of the questionnaire in the settings, each once.
REFUSED = "survey-answers-refused"


@dataclass(frozen=True)
class SurveyRecord:
    survey: Survey
    answers: list[SurveyItemAnswer]
    dissatisfied: bool


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


def record_of(
    survey: Survey, answers: list[SurveyItemAnswer], settings: SupportSettings
) -> SurveyRecord:
    plain = [rules.Answer(a.item, a.score, a.expected) for a in answers]
    return SurveyRecord(
        survey, answers, rules.is_dissatisfied(plain, settings.survey_dissatisfied_score)
    )


async def answerable_ticket(
    repository: SurveyRepository, ticket_id: str, *, lock: bool = False
) -> Ticket:
    """The ticket if it may be surveyed now, else NotFoundError / ConflictError; ``lock`` it
    to answer (two answers at once queue, and the second finds the first)."""
    ticket = await repository.existing(ticket_id, lock=lock)
    if not rules.may_be_answered(ticket.status):
        raise ConflictError(
            f"ticket {ticket_id} is {ticket.status}: it can be followed up once resolved",
            code="ticket-not-resolved",
        )
    if await repository.survey_of(ticket_id) is not None:
        raise ConflictError(f"ticket {ticket_id} has its survey already", code="survey-exists")
    return ticket


async def answer_survey(
    uow: UnitOfWork,
    ticket_id: str,
    answers: Sequence[rules.Answer],
    comment: str | None,
    settings: SupportSettings,
    answered_by: str,
) -> SurveyRecord:
    """Store the answers to the current questionnaire, record the ticket's history and
    publish SurveyAnswered; ``dissatisfied`` in the result says whether a complaint is due."""
    problems = rules.problems_with(answers, settings.survey_items)
    if problems:
        raise InvalidError("; ".join(problems), location="body.answers", code=REFUSED)
    repository = SurveyRepository(uow.session)
    ticket = await answerable_ticket(repository, ticket_id, lock=True)
    survey = Survey(
        id=str(uuid.uuid4()),
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        questionnaire_version=settings.survey_questionnaire_version,
        answered_by=answered_by,
        department=ticket.department,
        owner=ticket.owner,
        comment=comment,
        answered_at=uow.clock.now(),
    )
    rows = [
        SurveyItemAnswer(survey_id=survey.id, item=a.item, score=a.score, expected=a.expected)
        for a in answers
    ]
    await repository.add_survey(survey, rows)
    record = record_of(survey, rows, settings)
    uow.record(survey_answered(survey, rows))
    await after_answer(uow, ticket, survey, record.dissatisfied, settings, answered_by)
    return record


async def after_answer(
    uow: UnitOfWork,
    ticket: Ticket,
    survey: Survey,
    dissatisfied: bool,
    settings: SupportSettings,
    actor: str,
) -> None:
    """What an answered survey does to its ticket: a history entry, the follow-up done
    (a resolved ticket moves to follow_up_done, meeting its follow_up target), and a
    dissatisfied answer opens a complaint at once (DOMAIN.md §4)."""
    history.record(
        uow,
        ticket.id,
        "survey",
        actor,
        # The customer's comment stays on the survey (erasure scrubs it there).
        survey_id=survey.id,
        questionnaire_version=survey.questionnaire_version,
        dissatisfied=dissatisfied,
    )
    await tickets.follow_up_recorded(
        uow, ticket.id, actor=actor, dissatisfied=dissatisfied, settings=settings
    )


async def get_survey(uow: UnitOfWork, ticket_id: str, settings: SupportSettings) -> SurveyRecord:
    repository = SurveyRepository(uow.session)
    await repository.existing(ticket_id)
    survey = await repository.survey_of(ticket_id)
    if survey is None:
        raise NotFoundError(f"ticket {ticket_id} has no survey yet", code="no-survey")
    return record_of(survey, await repository.answers_of(survey.id), settings)


async def make_link(uow: UnitOfWork, ticket_id: str, settings: SupportSettings) -> Link:
    """A signed link the customer can answer the survey through (no login), for a ticket
    that may be surveyed now."""
    repository = SurveyRepository(uow.session)
    ticket = await answerable_ticket(repository, ticket_id)
    now = uow.clock.now()
    token = links.sign(ticket.id, settings, now)
    url = f"{settings.public_url.rstrip('/')}/v1/surveys/{token}"
    return Link(url, now + links.lifetime(settings))


async def ticket_of_link(uow: UnitOfWork, token: str, settings: SupportSettings) -> Ticket:
    """The ticket a valid link is for, if its survey may be answered now: BadLinkError
    (unknown ticket too), ExpiredLinkError, or ConflictError."""
    ticket_id = links.ticket_of(token, settings, uow.clock.now())
    try:
        return await answerable_ticket(SurveyRepository(uow.session), ticket_id)
    except NotFoundError as error:  # the ticket is gone (erased): as if there were no link
        raise links.BadLinkError("there is no survey at this address") from error


async def answer_through_link(
    uow: UnitOfWork,
    token: str,
    answers: Sequence[rules.Answer],
    comment: str | None,
    settings: SupportSettings,
) -> SurveyRecord:
    ticket_id = links.ticket_of(token, settings, uow.clock.now())
    try:
        return await answer_survey(uow, ticket_id, answers, comment, settings, CUSTOMER)
    except NotFoundError as error:
        raise links.BadLinkError("there is no survey at this address") from error
