"""The knowledge API's bodies and answers."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from crm_shared.contracts.support import Category
from crm_shared.fields import Omittable, RecordId, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_support.reports.schemas import PeriodOut
from crm_support.tickets.rules import CAUSES_BY_CATEGORY

Title = Annotated[str, text(200)]
Body = Annotated[str, text(20000)]
Cause = Annotated[str, text(60)]
Rating = Annotated[int, Field(ge=1, le=5)]

CAUSE_DESCRIPTION = "The second level of the cause tree (none: the whole category); a " + (
    "category admits "
    + "; ".join(f"{name}: {', '.join(causes)}" for name, causes in CAUSES_BY_CATEGORY.items())
)


class AnswerStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    ALL = "all"


GapKind = Literal["inquiry", "request", "complaint", "all"]


class AnswerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    cause: Cause | None = Field(None, description=CAUSE_DESCRIPTION)
    title: Title
    body: Body = Field(description="The answer the agent gives the customer")


class AnswerPatch(BaseModel):
    """Only the fields sent change; a null cause makes the answer the whole category's."""

    model_config = ConfigDict(extra="forbid")

    category: Omittable[Category] = None
    cause: Cause | None = Field(None, description=CAUSE_DESCRIPTION)
    title: Omittable[Title] = None
    body: Omittable[Body] = None

    _not_null = field_validator("category", "title", "body")(refuse_null)


class AnswerFilter(BaseModel):
    category: Category | None = None
    cause: Annotated[str, Field(max_length=60)] | None = None
    q: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Words in the title or the body (any case)"
    )
    status: AnswerStatus = Field(AnswerStatus.ACTIVE, description="all: retired ones too")


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    category: Category
    cause: str | None
    title: str
    body: str
    active: bool = Field(description="false once retired: no longer suggested nor used")
    retired_at: datetime | None
    retired_by: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class UseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: RecordId
    rating: Rating | None = Field(None, description="How good the answer was, 1 (poor) to 5")
    helpful: bool | None = Field(None, description="Did it settle the customer's question?")


class UseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ticket_id: str
    answer_id: str
    used_by: str
    used_at: datetime = Field(description="When it was first used on the ticket")
    rating: int | None
    helpful: bool | None
    rated_at: datetime | None


class UsageOut(BaseModel):
    uses: int = Field(description="Tickets it was used on")
    ratings: int = Field(description="Uses that rated it")
    mean_rating: float | None
    helpful: int = Field(description="Uses that found it helpful")
    not_helpful: int


class SuggestedAnswer(UsageOut):
    id: str
    category: Category
    cause: str | None
    title: str
    body: str
    version: int
    used_on_ticket: bool = Field(description="Already used on this ticket")


class Suggestions(BaseModel):
    ticket_id: str
    category: Category
    cause: str | None
    items: list[SuggestedAnswer]


class GapOut(BaseModel):
    category: str
    cause: str | None
    count: int = Field(description="Tickets resolved in the period without a standard answer")
    ticket_ids: list[str] = Field(description="The first of them (in order of resolution)")


class AnswerUsage(UsageOut):
    answer_id: str
    category: Category
    cause: str | None
    title: str
    active: bool


class GapsReport(BaseModel):
    period: PeriodOut
    kind: str = Field(description="The kind of ticket counted (inquiry_or_request by default)")
    unanswered: int = Field(description="Tickets resolved in the period without one")
    gaps: list[GapOut] = Field(description="Per category and cause, the largest first")
    usage: list[AnswerUsage] = Field(
        description="The standard answers used in the period, most used first"
    )
