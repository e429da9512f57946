"""All queries on surveys and their answers (and the ticket they follow up)."""

from collections.abc import Sequence

from sqlalchemy import select

from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.repository import TicketRepository


class SurveyRepository(TicketRepository):
    async def survey_of(self, ticket_id: str) -> Survey | None:
        return (
            await self.session.scalars(select(Survey).where(Survey.ticket_id == ticket_id))
        ).first()

    async def answers_of(self, survey_id: str) -> list[SurveyItemAnswer]:
        statement = (
            select(SurveyItemAnswer)
            .where(SurveyItemAnswer.survey_id == survey_id)
            .order_by(SurveyItemAnswer.id)
        )
        return list(await self.session.scalars(statement))

    async def add_survey(self, survey: Survey, answers: Sequence[SurveyItemAnswer]) -> None:
        self.session.add(survey)
        await self.session.flush()  # the survey row before its answers (foreign key)
        self.session.add_all(answers)
        await self.session.flush()
