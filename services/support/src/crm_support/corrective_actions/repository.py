"""All queries on corrective actions, and the survey statistics the review judges."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import Float, Select, and_, cast, exists, func, select

from crm_support.corrective_actions.models import CorrectiveAction
from crm_support.corrective_actions.rules import OPEN_STATES
from crm_support.db import count_rows
from crm_support.surveys.models import Survey, SurveyItemAnswer


@dataclass(frozen=True)
class WeakItem:
    department: str
    item: str
    mean_score: float
    answers: int


@dataclass(frozen=True)
class ActionQuery:
    department: str | None = None
    state: str | None = None


def _filtered(query: ActionQuery) -> Select[Any]:
    statement = select(CorrectiveAction)
    if query.department is not None:
        statement = statement.where(CorrectiveAction.department == query.department)
    if query.state is not None:
        statement = statement.where(CorrectiveAction.state == query.state)
    return statement


class CorrectiveActionRepository(RepositoryBase[CorrectiveAction]):
    model = CorrectiveAction

    async def weak_items_without_action(
        self,
        *,
        since: datetime,
        until: datetime,
        questionnaire_version: int,
        weak_mean: float,
        min_answers: int,
    ) -> list[WeakItem]:
        """Per department and item, the surveys of ``questionnaire_version`` answered in
        [since, until): those with at least ``min_answers`` answers whose mean is under
        ``weak_mean``, and no open action on the same finding."""
        mean = func.avg(cast(SurveyItemAnswer.score, Float))
        count = func.count(SurveyItemAnswer.id)
        already = exists().where(
            and_(
                CorrectiveAction.department == Survey.department,
                CorrectiveAction.item == SurveyItemAnswer.item,
                CorrectiveAction.questionnaire_version == questionnaire_version,
                CorrectiveAction.state.in_([state.value for state in OPEN_STATES]),
            )
        )
        statement = (
            select(Survey.department, SurveyItemAnswer.item, mean, count)
            .join(Survey, Survey.id == SurveyItemAnswer.survey_id)
            .where(
                Survey.questionnaire_version == questionnaire_version,
                Survey.department.is_not(None),
                Survey.answered_at >= since,
                Survey.answered_at < until,
                ~already,
            )
            .group_by(Survey.department, SurveyItemAnswer.item)
            .having(count >= min_answers, mean < weak_mean)
            .order_by(Survey.department, SurveyItemAnswer.item)
        )
        rows = (await self.session.execute(statement)).all()
        return [WeakItem(row[0], row[1], float(row[2]), int(row[3])) for row in rows]

    async def search(
        self, query: ActionQuery, after: Sequence[Any] | None, limit: int
    ) -> list[CorrectiveAction]:
        """One page, oldest first (the id breaks ties)."""
        order = (CorrectiveAction.opened_at, CorrectiveAction.id)
        return await self.keyset_page(_filtered(query), order, after=after, limit=limit)

    async def count(self, query: ActionQuery) -> int:
        return await count_rows(self.session, _filtered(query))
