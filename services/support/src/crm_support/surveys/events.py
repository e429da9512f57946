"""The event of an answered survey."""

from crm_shared.contracts.support import SurveyAnswer, SurveyAnswered

from crm_support.surveys.models import Survey, SurveyItemAnswer


def survey_answered(survey: Survey, answers: list[SurveyItemAnswer]) -> SurveyAnswered:
    return SurveyAnswered(
        record_id=survey.id,
        customer_id=survey.customer_id,
        ticket_id=survey.ticket_id,
        survey_id=survey.id,
        questionnaire_version=survey.questionnaire_version,
        answered_by=survey.answered_by,
        department=survey.department,
        owner=survey.owner,
        answers=[SurveyAnswer(item=a.item, score=a.score, expected=a.expected) for a in answers],
        answered_at=survey.answered_at,
    )
