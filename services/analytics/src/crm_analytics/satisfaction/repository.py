"""All SQL of the satisfaction report: the surveys answered in a period (one query)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.support.models import SupportSurvey


class SatisfactionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def surveys(
        self, start: datetime, end: datetime, department: str | None = None
    ) -> Sequence[tuple[str | None, list[dict[str, Any]]]]:
        """(department, answers) of each survey answered in ``[start, end)``."""
        survey = SupportSurvey
        statement = select(survey.department, survey.answers).where(
            survey.answered_at >= start, survey.answered_at < end
        )
        if department is not None:
            statement = statement.where(survey.department == department)
        return [(row[0], row[1]) for row in await self.session.execute(statement)]
