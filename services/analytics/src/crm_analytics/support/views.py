"""Reading the service section of a profile: the customer's rows and those of every customer
merged into it."""

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.support.models import SupportSurvey
from crm_analytics.support.repository import SupportRepository
from crm_analytics.support.rules import mean_satisfaction, rounded, satisfaction
from crm_analytics.support.schemas import LastSurveyOut, ServiceOut, SurveyItemOut

CENT = Decimal("0.01")


async def read_service(session: AsyncSession, customer_ids: Collection[str]) -> ServiceOut:
    support = SupportRepository(session)
    tickets, breaches, surveys = await support.service_totals(customer_ids)
    last = await support.last_survey(customer_ids)
    return ServiceOut(
        tickets_open=tickets.open,
        tickets_total=tickets.total,
        complaints=tickets.complaints,
        major_complaints=tickets.major_complaints,
        breaches=breaches,
        last_ticket_at=tickets.last_ticket_at,
        # SQLite sums NUMERIC as floating point: back to cents.
        recovery_cost_by_currency={
            currency: cost.quantize(CENT)
            for currency, cost in (await support.recovery_costs(customer_ids)).items()
        },
        surveys=surveys.surveys,
        mean_score=_number(surveys.mean_score),
        last_survey=_survey(last) if last is not None else None,
    )


def _survey(survey: SupportSurvey) -> LastSurveyOut:
    return LastSurveyOut(
        survey_id=survey.survey_id,
        ticket_id=survey.ticket_id,
        answered_at=survey.answered_at,
        mean_score=_number(survey.mean_score),
        satisfaction=_number(mean_satisfaction(survey.answers)),
        items=[_item(answer) for answer in survey.answers],
    )


def _item(answer: Mapping[str, Any]) -> SurveyItemOut:
    return SurveyItemOut(
        item=answer["item"],
        score=answer["score"],
        expected=answer.get("expected"),
        satisfaction=_number(satisfaction(answer)),
    )


def _number(value: Decimal | None) -> float | None:
    places = rounded(value)
    return float(places) if places is not None else None
