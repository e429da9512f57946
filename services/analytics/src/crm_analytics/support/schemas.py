"""The service section of the 360 profile."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

SCORE = "1 (poor) to 5 (excellent)"


class SurveyItemOut(BaseModel):
    item: str
    score: int = Field(description=f"As perceived, {SCORE}")
    expected: int | None = Field(description="What the customer expected; null when not asked")
    satisfaction: float | None = Field(
        description="C = score / expected, to 2 places; null when no expectation was asked"
    )


class LastSurveyOut(BaseModel):
    survey_id: str
    ticket_id: str
    answered_at: datetime
    mean_score: float | None = Field(description="The mean of the items' scores, to 2 places")
    satisfaction: float | None = Field(
        description="The mean C of the items that asked for an expectation, to 2 places"
    )
    items: list[SurveyItemOut] = Field(description="In the questionnaire's order")


class ServiceOut(BaseModel):
    """Tickets, complaints, missed targets, recovery and follow-up surveys, as the support
    service last published them."""

    tickets_open: int = Field(description="Tickets not yet resolved (a reopened one counts)")
    tickets_total: int = Field(description="Complaints, inquiries and requests")
    complaints: int
    major_complaints: int = Field(
        description="Complaints that turned major (escalated to a manager and senior management)"
    )
    breaches: int = Field(
        description="Service-level targets missed (2-1-2-3 and promised replies), each counted "
        "once per ticket and target"
    )
    last_ticket_at: datetime | None = Field(description="When the latest ticket was received")
    recovery_cost_by_currency: dict[str, Decimal] = Field(
        description="Compensation and goodwill given, per currency (decimal strings)"
    )
    surveys: int = Field(description="Follow-up questionnaires answered")
    mean_score: float | None = Field(
        description="The mean of the surveys' mean scores, to 2 places; null without surveys"
    )
    last_survey: LastSurveyOut | None = Field(description="The latest answered questionnaire")
