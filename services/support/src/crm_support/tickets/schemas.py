"""The tickets API's bodies and answers."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from crm_shared.contracts.support import (
    Category,
    Channel,
    Priority,
    TargetState,
    TicketKind,
    TicketStatus,
)
from crm_shared.fields import (
    Currency,
    Instant,
    NonNegativeAmount,
    Omittable,
    RecordId,
    refuse_null,
    text,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_support.tickets.rules import CAUSES_BY_CATEGORY as CAUSES

UserId = Annotated[str, text(100)]
Text = Annotated[str, text(10000)]


class ComplainantType(StrEnum):
    QUALITY_WATCHER = "quality_watcher"
    RATIONAL = "rational"
    NEGOTIATOR = "negotiator"
    VICTIM = "victim"
    LOYAL_ADVOCATE = "loyal_advocate"


class ComplainantProfile(StrEnum):
    PUBLIC_FIGURE = "public_figure"
    JOURNALIST = "journalist"
    GOVERNMENT_OFFICIAL = "government_official"


class Intensity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Sort(StrEnum):
    DUE = "due"
    RECEIVED = "received"


class ComplaintFields(BaseModel):
    """The complaint's record (DOMAIN.md §4); every field optional."""

    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, text(200)] | None = None
    occurred_at: Instant | None = None
    product: Annotated[str, text(200)] | None = None
    price: NonNegativeAmount | None = None
    currency: Currency | None = None
    staff_involved: UserId | None = None
    real_cause: Text | None = None
    desired_resolution: Text | None = None
    demand_reasonable: bool | None = None
    complainant_type: ComplainantType | None = None
    complainant_profile: ComplainantProfile | None = Field(
        None, description="A VIP complainant whatever their value: the complaint is major"
    )
    intensity: Intensity | None = None
    compensation_demanded: NonNegativeAmount | None = None
    actual_loss: NonNegativeAmount | None = None
    cause: Annotated[str, text(60)] | None = Field(
        None,
        description="The second level of the cause tree; the category admits "
        + "; ".join(f"{category}: {', '.join(causes)}" for category, causes in CAUSES.items()),
    )
    department: UserId | None = None


class TicketCreate(ComplaintFields):
    customer_id: RecordId
    kind: TicketKind
    category: Category
    channel: Channel
    description: Text
    received_by: UserId
    priority: Priority = Priority.NORMAL
    grievance: bool = False


class TicketPatch(ComplaintFields):
    """Only the fields sent change; null clears an optional one."""

    priority: Omittable[Priority] = None
    handler: UserId | None = None
    decision_maker: UserId | None = None
    follow_up_officer: UserId | None = Field(None, description="Must not be the handler")
    description: Omittable[Text] = None
    inconsistent_answers: Omittable[bool] = Field(
        None, description="Set by a manager: the customer was given inconsistent answers"
    )
    grievance: Omittable[Literal[False]] = Field(
        None, description="false: the grievance became a complaint (demands were made)"
    )

    _not_null = field_validator("priority", "description", "inconsistent_answers", "grievance")(
        refuse_null
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: TicketStatus
    note: Text | None = None
    lessons_learned: Text | None = Field(
        None,
        description="Required to close a major complaint (with the sign-off of its manager, "
        "senior management or a holder of support:manage)",
    )


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Literal["outbound", "inbound"]
    channel: Channel
    summary: Text


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: UserId
    reason: Annotated[str, text(2000)]


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, text(2000)]
    major: bool = Field(False, description="Also make the complaint major (senior management)")


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply_by: Instant


class TicketFilter(BaseModel):
    customer_id: str | None = None
    status: TicketStatus | None = None
    owner: str | None = None
    team: str | None = Field(None, description="only tickets owned by a member of this team")
    priority: Priority | None = None
    target_state: TargetState | None = Field(
        None,
        description="only tickets with a target in this state now (at_risk: running past its "
        "warning point; running: not yet at risk)",
    )
    kind: TicketKind | None = None
    major: bool | None = None
    open: bool | None = Field(None, description="true: only tickets not yet resolved")
    sort: Sort = Field(
        Sort.DUE,
        description="due: the queue, nearest running target first (then those with none, "
        "oldest first); received: oldest first",
    )


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    target: str
    state: TargetState
    due_at: datetime | None
    at_risk_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    budget_seconds: float = Field(description="Business seconds the target allows")
    remaining_seconds: float | None = Field(
        description="Business seconds left while it is open (negative: overdue)"
    )


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    text: str | None
    details: dict[str, Any]


class TicketSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    kind: TicketKind
    category: Category
    cause: str | None
    channel: Channel
    status: TicketStatus
    resume_status: TicketStatus | None
    priority: Priority
    grievance: bool
    was_grievance: bool
    subject: str | None
    description: str
    occurred_at: datetime | None
    product: str | None
    price: Decimal | None
    currency: str | None
    staff_involved: str | None
    real_cause: str | None
    desired_resolution: str | None
    demand_reasonable: bool | None
    long_standing: bool | None
    complainant_type: str | None
    complainant_profile: str | None
    intensity: str | None
    compensation_demanded: Decimal | None
    actual_loss: Decimal | None
    inconsistent_answers: bool
    received_by: str
    owner: str
    handler: str | None
    manager: str | None
    senior: str | None
    decision_maker: str | None
    follow_up_officer: str | None
    department: str | None
    major: bool
    major_reasons: list[str]
    contacts: int
    handovers: int
    reopened: int
    received_at: datetime
    first_contact_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    signed_off_by: str | None
    lessons_learned: str | None
    targets: list[TargetOut]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class NextStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str = Field(
        description="acknowledge, investigate, determine_responsibility, propose_resolution, "
        "accept, reject, resolve, complete_follow_up, close, reopen, wait_on_customer, resume "
        "(transitions); reply, note, hand_over, escalate, promise_reply"
    )
    endpoint: Literal["transitions", "contacts", "notes", "handover", "escalate", "promises"] = (
        Field(description="The operation that takes the step: POST /v1/tickets/{id}/<endpoint>")
    )
    to: TicketStatus | None = Field(description="A transition's `to`")
    needs: list[str] = Field(description="The body fields the person must give")


class TicketOut(TicketSummary):
    history: list[HistoryOut] = Field(description="Every step of the case, oldest first")
    allowed_actions: list[NextStepOut] = Field(
        description="The steps the ticket allows now, from the flow's rules (a listed step may "
        "still be refused: a major complaint's sign-off, a stale If-Match)"
    )
