"""Use cases of the knowledge base: curate standard answers (create, change, retire), use
and rate one on a ticket, suggest a ticket's, and the report of the questions that had
none. Never commits; no events (the knowledge base is internal)."""

import uuid
from dataclasses import dataclass

from crm_shared.contracts.support import Category, TicketKind
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.periods import Period
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_support.db import FIRST_VERSION
from crm_support.knowledge.models import AnswerUse, StandardAnswer
from crm_support.knowledge.repository import AnswerQuery, AnswerRepository, Gap
from crm_support.knowledge.rules import Usage, cause_refused, suggestion_key
from crm_support.knowledge.schemas import AnswerCreate, AnswerFilter, AnswerPatch, AnswerStatus
from crm_support.reports.service import period_of
from crm_support.settings import SupportSettings
from crm_support.tickets import history
from crm_support.tickets.models import Ticket

CURSOR_FIELDS = (("created_at", instant), ("id", text))
# The gaps report counts the questions (inquiries and requests) unless asked otherwise.
QUESTIONS = "inquiry_or_request"
QUESTION_KINDS = frozenset({TicketKind.INQUIRY.value, TicketKind.REQUEST.value})


def _check_cause(category: Category, cause: str | None) -> None:
    if (refused := cause_refused(category, cause)) is not None:
        raise InvalidError(refused, location="body.cause", code="cause-not-of-category")


async def load(uow: UnitOfWork, answer_id: str) -> StandardAnswer:
    answer = await AnswerRepository(uow.session).get(answer_id)
    if answer is None:
        raise NotFoundError.of("standard answer", answer_id)
    return answer


async def create_answer(uow: UnitOfWork, body: AnswerCreate, *, actor: str) -> StandardAnswer:
    _check_cause(body.category, body.cause)
    now = uow.clock.now()
    answer = StandardAnswer(
        id=str(uuid.uuid4()),
        category=body.category.value,
        cause=body.cause,
        title=body.title,
        body=body.body,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    AnswerRepository(uow.session).add(answer)
    await uow.session.flush()
    return answer


def _ensure_active(answer: StandardAnswer) -> None:
    if answer.retired_at is not None:
        raise ConflictError(
            f"standard answer {answer.id} is retired; write a new one", code="answer-retired"
        )


async def patch_answer(
    uow: UnitOfWork, answer_id: str, body: AnswerPatch, expected: ExpectedVersion
) -> StandardAnswer:
    """Edit in place: the answer's next version (its uses keep counting for it)."""
    answer = await load(uow, answer_id)
    check_version(expected, answer.version)
    _ensure_active(answer)
    sent = body.model_dump(include=body.model_fields_set)
    if "category" in sent:
        sent["category"] = Category(sent["category"]).value
    changed = {name: value for name, value in sent.items() if getattr(answer, name) != value}
    if not changed:
        return answer
    _check_cause(
        Category(changed.get("category", answer.category)), sent.get("cause", answer.cause)
    )
    for name, value in changed.items():
        setattr(answer, name, value)
    answer.touch(uow.clock.now())
    return answer


async def retire_answer(
    uow: UnitOfWork, answer_id: str, expected: ExpectedVersion, *, actor: str
) -> StandardAnswer:
    """No longer suggested nor used; retiring a retired answer changes nothing."""
    answer = await load(uow, answer_id)
    check_version(expected, answer.version)
    if answer.retired_at is None:
        now = uow.clock.now()
        answer.retired_at, answer.retired_by = now, actor
        answer.touch(now)
    return answer


async def search_answers(
    uow: UnitOfWork, filters: AnswerFilter, cursor: str | None, limit: int, *, count: bool
) -> Slice[StandardAnswer]:
    active = {AnswerStatus.ACTIVE: True, AnswerStatus.RETIRED: False}.get(filters.status)
    query = AnswerQuery(
        category=filters.category.value if filters.category else None,
        cause=filters.cause,
        text=filters.q.strip() or None if filters.q else None,
        active=active,
    )
    answers = AnswerRepository(uow.session)
    after = position_of(cursor, CURSOR_FIELDS)
    rows = await answers.search(query, (after[0], after[1]) if after else None, limit + 1)
    total = await answers.count(query) if count else None
    return slice_of(
        rows, limit, lambda answer: (answer.created_at, answer.id), CURSOR_FIELDS, total
    )


# --- on a ticket ---------------------------------------------------------------------------


async def _ticket(answers: AnswerRepository, ticket_id: str) -> Ticket:
    ticket = await answers.ticket(ticket_id)
    if ticket is None:
        raise NotFoundError.of("ticket", ticket_id)
    return ticket


@dataclass(frozen=True)
class Rating:
    rating: int | None
    helpful: bool | None
    sent: frozenset[str]  # which of the two the agent gave (a later call changes only those)


async def use_answer(
    uow: UnitOfWork, ticket_id: str, answer_id: str, rating: Rating, *, actor: str
) -> tuple[AnswerUse, bool]:
    """Record that ``actor`` used the answer on the ticket (once per answer and ticket: a
    second call changes the rating); the use and whether it is new."""
    answers = AnswerRepository(uow.session)
    ticket = await _ticket(answers, ticket_id)
    answer = await answers.get(answer_id)
    if answer is None:
        raise UnknownReferenceError(
            f"standard answer {answer_id} does not exist", location="body.answer_id"
        )
    now = uow.clock.now()
    use = await answers.use(ticket.id, answer.id)
    rated = rating.sent & {"rating", "helpful"}
    if use is None:
        _ensure_active(answer)
        use = AnswerUse(ticket_id=ticket.id, answer_id=answer.id, used_by=actor, used_at=now)
        use.rating, use.helpful = rating.rating, rating.helpful
        use.rated_at = now if rated else None
        await answers.add_use(use)
        _record(uow, "answer_used", use, actor)
        return use, True
    changed = {name for name in rated if getattr(use, name) != getattr(rating, name)}
    if changed:
        for name in changed:
            setattr(use, name, getattr(rating, name))
        use.rated_at = now
        _record(uow, "answer_rated", use, actor)
    return use, False


def _record(uow: UnitOfWork, kind: str, use: AnswerUse, actor: str) -> None:
    """The ticket's history: which answer, and its rating (no free text)."""
    history.record(
        uow, use.ticket_id, kind, actor, answer_id=use.answer_id, rating=use.rating,
        helpful=use.helpful,
    )  # fmt: skip


@dataclass(frozen=True)
class Suggestion:
    answer: StandardAnswer
    usage: Usage
    used_on_ticket: bool


async def suggest(
    uow: UnitOfWork, ticket_id: str, settings: SupportSettings
) -> tuple[Ticket, list[Suggestion]]:
    """The active answers of the ticket's category, its own cause's first, then the best
    rated and the most used."""
    answers = AnswerRepository(uow.session)
    ticket = await _ticket(answers, ticket_id)
    candidates = await answers.active_of_category(ticket.category)
    usage = await answers.usage_of([answer.id for answer in candidates])
    used = await answers.answer_ids_used_on(ticket.id)
    suggestions = [
        Suggestion(answer, usage.get(answer.id, Usage()), answer.id in used)
        for answer in candidates
    ]
    suggestions.sort(
        key=lambda found: suggestion_key(
            found.answer.cause, ticket.cause, found.usage, found.answer.title, found.answer.id
        )
    )
    return ticket, suggestions[: settings.knowledge_suggestions]


# --- the gaps report -----------------------------------------------------------------------


@dataclass(frozen=True)
class GapsFound:
    period: Period
    kind: str
    gaps: list[Gap]
    usage: list[tuple[StandardAnswer, Usage]]


async def gaps_report(
    uow: UnitOfWork, period: str, kind: str | None, settings: SupportSettings, tz: str = "UTC"
) -> GapsFound:
    """The tickets resolved in the period without a standard answer, per category and
    cause, and the answers' use in the period."""
    span = period_of(period, tz)
    kinds = QUESTION_KINDS if kind is None else None if kind == "all" else frozenset({kind})
    answers = AnswerRepository(uow.session)
    gaps = await answers.gaps(span.start, span.end, kinds, settings.knowledge_gap_ticket_ids)
    usage = await answers.usage_between(span.start, span.end)
    return GapsFound(span, kind or QUESTIONS, gaps, usage)
