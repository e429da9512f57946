"""The bodies and answers of the visits, follow-up calls and follow-up report API."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from crm_shared.contracts.support import FollowUpReason, VisitKind
from crm_shared.fields import Instant, RecordId, TimeZone, text
from pydantic import BaseModel, ConfigDict, Field

UserId = Annotated[str, text(100)]
Note = Annotated[str, text(10000)]


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RecordId
    kind: VisitKind
    visited_at: Instant | None = Field(None, description="Default: now; never in the future")
    staff: UserId | None = Field(
        None, description="Who served the customer: the follow-up call's owner"
    )
    notes: Note | None = Field(None, description="Stays in the support service (erasure scrubs it)")


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    kind: VisitKind
    staff: str | None
    notes: str | None
    visited_at: datetime
    recorded_by: str
    recorded_at: datetime


class CallState(StrEnum):
    OPEN = "open"
    DONE = "done"


class DueFilter(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"


class CallFilter(BaseModel):
    owner: Annotated[str, Field(max_length=100)] | None = None
    state: CallState | None = None
    customer_id: Annotated[str, Field(max_length=36)] | None = None
    due: DueFilter | None = Field(
        None, description="overdue: still open past the due time; today: due today (in tz)"
    )
    tz: TimeZone = Field("UTC", description="IANA time zone of 'today'")


class OutcomeIn(BaseModel):
    """What the customer said on the call; a question not asked is left out."""

    model_config = ConfigDict(extra="forbid")

    problem_fixed: bool | None = Field(None, description="false opens a complaint at once")
    questions_answered: bool | None = None
    next_service_date: date | None = Field(None, description="The next service, as reminded")
    lead_spotted: bool = Field(False, description="A sales lead came up on the call")
    satisfied: bool | None = Field(None, description="false opens a complaint at once")
    note: Note | None = None


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    reason: FollowUpReason
    source_id: str = Field(description="The order's or the visit's id")
    owner: str
    due_at: datetime
    state: CallState
    problem_fixed: bool | None
    questions_answered: bool | None
    next_service_date: date | None
    lead_spotted: bool
    satisfied: bool | None
    note: str | None
    complaint_ticket_id: str | None = Field(description="The complaint the answers opened")
    done_at: datetime | None
    done_by: str | None


class OwnerRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    owner: str
    due: int = Field(description="Calls due in the period")
    done: int
    on_time: int = Field(description="Done by their due time")
    overdue: int = Field(description="Still open past their due time")
    problem_not_fixed: int
    dissatisfied: int
    leads_spotted: int


class FollowUpReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: str
    tz: str
    start: datetime
    end: datetime
    owners: list[OwnerRow]
