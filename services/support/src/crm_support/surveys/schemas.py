"""Request and response bodies of the surveys API."""

from datetime import datetime
from typing import Annotated

from crm_shared.fields import text
from pydantic import BaseModel, ConfigDict, Field

from crm_support.surveys import rules
from crm_support.surveys.service import Link, SurveyRecord

Score = Annotated[int, Field(ge=1, le=5)]


class QuestionnaireOut(BaseModel):
    version: int = Field(description="Stored on every survey: the trend compares like with like")
    items: list[str]


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: Annotated[str, text(60)]
    score: Score = Field(description="How it was, 1 (very poor) to 5 (excellent)")
    expected: Score | None = Field(None, description="What the customer expected, 1-5")

    def plain(self) -> rules.Answer:
        return rules.Answer(self.item, self.score, self.expected)


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[AnswerIn] = Field(
        min_length=1,
        max_length=100,
        description="Items of the current questionnaire, each at most once; not every item "
        "need be answered",
    )
    comment: Annotated[str, text(4000)] | None = None


class AnswerOut(BaseModel):
    item: str
    score: int
    expected: int | None
    satisfaction: float | None = Field(
        description="C = score / expected (above 1: better than expected); null without an "
        "expectation"
    )


class SurveyOut(BaseModel):
    id: str
    ticket_id: str
    customer_id: str
    questionnaire_version: int
    answered_by: str = Field(description='"customer" through the signed link, else the agent')
    department: str | None
    owner: str | None
    answers: list[AnswerOut]
    comment: str | None
    answered_at: datetime
    dissatisfied: bool = Field(
        description="A score at or under CRM_SUPPORT_SURVEY_DISSATISFIED_SCORE on any item"
    )


class LinkOut(BaseModel):
    url: str = Field(description="The page the customer answers on; it needs no login")
    expires_at: datetime


def survey_out(record: SurveyRecord) -> SurveyOut:
    survey = record.survey
    return SurveyOut(
        id=survey.id,
        ticket_id=survey.ticket_id,
        customer_id=survey.customer_id,
        questionnaire_version=survey.questionnaire_version,
        answered_by=survey.answered_by,
        department=survey.department,
        owner=survey.owner,
        answers=[
            AnswerOut(
                item=a.item,
                score=a.score,
                expected=a.expected,
                satisfaction=rules.satisfaction(rules.Answer(a.item, a.score, a.expected)),
            )
            for a in record.answers
        ],
        comment=survey.comment,
        answered_at=survey.answered_at,
        dissatisfied=record.dissatisfied,
    )


def link_out(link: Link) -> LinkOut:
    return LinkOut(url=link.url, expires_at=link.expires_at)
