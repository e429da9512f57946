"""Events the support service publishes on ``crm.support``.

Every event is keyed by the customer id where there is one (so it is ordered with the
customer's other events and files under the customer on the 360 timeline), else by the id of
its own record (a crisis alert is about many customers). Events about a ticket carry its
snapshot with its version after the change, so a view ignores an event older than what it
already applied. The complaint's free text (what happened, the cause in words, notes) never
travels: it stays in the support database, where an erasure reaches it.

Money is a ``Decimal`` (serialised as a string, never a float) in the ticket's currency.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from crm_shared.events.registry import IntegrationEvent, integration_event


class TicketKind(StrEnum):
    COMPLAINT = "complaint"
    INQUIRY = "inquiry"
    REQUEST = "request"


class TicketStatus(StrEnum):
    """The flow of DOMAIN.md §4 (``crm_support.tickets.flow`` says which moves are allowed)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"  # the owner contacted the customer
    INVESTIGATING = "investigating"
    RESPONSIBILITY_DETERMINED = "responsibility_determined"
    RESOLUTION_PROPOSED = "resolution_proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # the customer said no to the proposal: rework
    RESOLVED = "resolved"
    FOLLOW_UP_DONE = "follow_up_done"
    CLOSED = "closed"
    WAITING_ON_CUSTOMER = "waiting_on_customer"  # the targets' clock is paused
    REOPENED = "reopened"


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    SERVICE_QUALITY = "service_quality"
    MISLEADING_PROMOTION = "misleading_promotion"
    BILLING = "billing"
    DELIVERY = "delivery"
    CUSTOMER_MISUNDERSTANDING = "customer_misunderstanding"
    OTHER = "other"  # inquiries and requests that are about none of these


class Channel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    WEB = "web"
    EMAIL = "email"
    MEDIA = "media"
    WALK_IN = "walk_in"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TargetName(StrEnum):
    """The 2-1-2-3 targets, and a reply time promised to the customer."""

    FIRST_CONTACT = "first_contact"  # the owner contacts the customer (2 hours)
    PROPOSAL = "proposal"  # a reply / resolution proposal (1 day)
    MAJOR_REPLY = "major_reply"  # senior management answers a major complaint (2 days)
    FOLLOW_UP = "follow_up"  # the follow-up visit after resolution (3 days)
    PROMISED_REPLY = "promised_reply"  # the reply time the agent agreed with the customer


class TargetState(StrEnum):
    RUNNING = "running"
    AT_RISK = "at_risk"  # running, past the warning point (80 % of the target by default)
    PAUSED = "paused"  # the ticket waits on the customer
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"  # no longer asked for (a ticket closed without its follow-up)


class RecoveryKind(StrEnum):
    DISCOUNT = "discount"
    VOUCHER = "voucher"
    FREE_SERVICE = "free_service"
    GIFT = "gift"
    REFUND = "refund"
    COMPENSATION = "compensation"


class SupportEvent(IntegrationEvent):
    """Keyed by ``customer_id`` when there is one, else by ``record_id``."""

    key_field: ClassVar[str] = "record_id"

    record_id: str
    customer_id: str | None = None

    @property
    def key(self) -> str:
        return self.customer_id or self.record_id


class TargetSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    target: TargetName
    state: TargetState
    due_at: AwareDatetime | None = None  # null while paused (the remaining time is kept)
    met_at: AwareDatetime | None = None
    breached_at: AwareDatetime | None = None


class TicketSnapshot(BaseModel):
    """A ticket as other services may know it: its structured facts, no free text."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str
    kind: TicketKind
    category: Category
    cause: str | None = None  # the second level of the cause tree
    channel: Channel
    status: TicketStatus
    priority: Priority
    owner: str  # the first receiver: owns it until it is closed
    handler: str | None = None
    manager: str | None = None  # added by escalation
    senior: str | None = None  # senior management, added when the complaint is major
    department: str | None = None
    product: str | None = None
    major: bool
    major_reasons: list[str] = Field(default_factory=list)
    contacts: int = 0
    handovers: int = 0
    compensation_demanded: Decimal | None = None
    currency: str | None = None
    received_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    targets: list[TargetSnapshot] = Field(default_factory=list)
    version: int


@integration_event("crm.support.ticket_opened.v1")
class TicketOpened(SupportEvent):
    ticket: TicketSnapshot


@integration_event("crm.support.ticket_changed.v1")
class TicketChanged(SupportEvent):
    """A transition (``from_status`` → ``ticket.status``), a hand-over, a contact, a re-plan
    or a change of its facts; ``changed_fields`` says which."""

    changed_fields: list[str]
    from_status: TicketStatus | None = None
    ticket: TicketSnapshot


@integration_event("crm.support.ticket_escalated.v1")
class TicketEscalated(SupportEvent):
    """The ticket turned major, or was escalated by hand: a manager and (major) senior
    management were added; ``reasons`` says why."""

    reasons: list[str]
    manager: str | None = None
    senior: str | None = None
    ticket: TicketSnapshot


@integration_event("crm.support.sla.at_risk.v1")
class SlaAtRisk(SupportEvent):
    ticket_id: str
    target: TargetName
    due_at: AwareDatetime
    owner: str


@integration_event("crm.support.sla.met.v1")
class SlaMet(SupportEvent):
    ticket_id: str
    target: TargetName
    due_at: AwareDatetime | None = None
    met_at: AwareDatetime


@integration_event("crm.support.sla.breached.v1")
class SlaBreached(SupportEvent):
    ticket_id: str
    target: TargetName
    due_at: AwareDatetime
    breached_at: AwareDatetime
    owner: str
    ticket: TicketSnapshot


@integration_event("crm.support.recovery_recorded.v1")
class RecoveryRecorded(SupportEvent):
    """Compensation or goodwill given to the customer, with its cost and who approved it."""

    ticket_id: str
    recovery_id: str
    kind: RecoveryKind
    cost: Decimal
    currency: str
    approved_by: str
    over_limit: bool = False  # a manager exceeded the role's limit or the actual loss
    recorded_at: AwareDatetime


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    item: str
    score: int = Field(ge=1, le=5)  # perceived
    expected: int | None = Field(None, ge=1, le=5)


@integration_event("crm.support.survey_answered.v1")
class SurveyAnswered(SupportEvent):
    """A follow-up questionnaire filled in (by the agent on the call, or by the customer
    through the signed link): analytics computes satisfaction (C = score / expected) and
    the CSI from it."""

    ticket_id: str
    survey_id: str
    questionnaire_version: int
    answered_by: str  # "customer" through the link, else the agent's user id
    department: str | None = None
    owner: str | None = None
    answers: list[SurveyAnswer]
    answered_at: AwareDatetime


@integration_event("crm.support.crisis_raised.v1")
class CrisisRaised(SupportEvent):
    """A group complaint: ``count`` complaints on the same cause or product within the
    window: senior management is alerted. Keyed by ``record_id`` (the alert's id)."""

    about: str  # "cause:<cause>" or "product:<product>"
    count: int
    window_days: int
    ticket_ids: list[str]
    raised_at: datetime


# --- the knowledge base ----------------------------------------------------------------


# --- service visits and follow-up calls ------------------------------------------------


class VisitKind(StrEnum):
    SERVICE = "service"
    REPAIR = "repair"
    CONSULTATION = "consultation"


class FollowUpReason(StrEnum):
    """What a follow-up call follows: a sale (``source_id`` the order) or a visit."""

    ORDER = "order"
    VISIT = "visit"


@integration_event("crm.support.visit_recorded.v1")
class VisitRecorded(SupportEvent):
    """The customer came in (a service, a repair, a consultation): a contact, like an
    order, for recency and win-back ("no purchase or visit"). Its notes never travel."""

    visit_id: str
    kind: VisitKind
    staff: str | None = None
    visited_at: AwareDatetime


class FollowUpCallRef(SupportEvent):
    """What every follow-up call event names: the call, what it follows and its owner."""

    call_id: str
    reason: FollowUpReason
    source_id: str  # the order's or the visit's id
    owner: str


@integration_event("crm.support.follow_up_call_due.v1")
class FollowUpCallDue(FollowUpCallRef):
    """A follow-up call fell due and is not done yet (once per call)."""

    due_at: AwareDatetime


@integration_event("crm.support.follow_up_call_done.v1")
class FollowUpCallDone(FollowUpCallRef):
    """A follow-up call made, with what the customer said (None: not asked). A "not fixed"
    or dissatisfied answer opened the complaint ``complaint_ticket_id``."""

    due_at: AwareDatetime
    done_at: AwareDatetime
    done_by: str
    problem_fixed: bool | None = None
    questions_answered: bool | None = None
    next_service_date: date | None = None
    lead_spotted: bool = False
    satisfied: bool | None = None
    complaint_ticket_id: str | None = None


# --- corrective actions ----------------------------------------------------------------


class CorrectiveActionState(StrEnum):
    """open → in_progress → done (with a resolution); open or in_progress → dismissed."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DISMISSED = "dismissed"


class CorrectiveActionSnapshot(BaseModel):
    """A corrective action with the evidence it was opened on; no free text (the plan, the
    resolution and the reason stay in the support database)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    department: str
    item: str  # the survey item found weak
    questionnaire_version: int
    state: CorrectiveActionState
    mean_score: float  # the item's mean over the window, at detection
    answers: int  # how many answers that mean is of
    window_start: AwareDatetime
    window_end: AwareDatetime
    owner: str | None = None
    due_date: date | None = None
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None  # done or dismissed
    version: int


@integration_event("crm.support.corrective_action_opened.v1")
class CorrectiveActionOpened(SupportEvent):
    """A survey item scored weak in a department: an action for it to work. Keyed by
    ``record_id`` (the action's id)."""

    action: CorrectiveActionSnapshot


@integration_event("crm.support.corrective_action_changed.v1")
class CorrectiveActionChanged(SupportEvent):
    """Owner, due date, plan or state changed (``from_state`` → ``action.state`` on a move);
    ``changed_fields`` says which."""

    changed_fields: list[str]
    from_state: CorrectiveActionState | None = None
    action: CorrectiveActionSnapshot
