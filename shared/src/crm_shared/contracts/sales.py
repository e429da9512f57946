"""Events the sales service publishes on ``crm.sales``.

Every event is keyed by the customer id where there is one (so it is ordered with the
customer's other events and files under the customer on the 360 timeline), else by the id of
its own record (a lead that is nobody's customer yet, an activity about such a lead). Events
about a record carry its version after the change (``*_version``), so a view ignores an event
older than what it already applied; full-state events carry a snapshot.

Money is a ``Decimal`` (serialised as a string, never a float) in the record's currency
(ISO 4217).
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from crm_shared.events.registry import IntegrationEvent, integration_event


class LeadStatus(StrEnum):
    NEW = "new"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class OpportunityStage(StrEnum):
    """The pipeline, in order (DOMAIN.md §3); ``won`` and ``lost`` close it."""

    CONTACT = "contact"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    QUOTE = "quote"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


OPEN_STAGES = (
    OpportunityStage.CONTACT,
    OpportunityStage.NEEDS_ANALYSIS,
    OpportunityStage.PROPOSAL,
    OpportunityStage.QUOTE,
    OpportunityStage.NEGOTIATION,
)
CLOSED_STAGES = (OpportunityStage.WON, OpportunityStage.LOST)


class ActivityKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


class PaymentState(StrEnum):
    """Where an order's money stands: ``open`` (nothing paid, not yet due), ``partial``,
    ``paid``, ``overdue`` (due date passed, not paid in full), ``written_off``."""

    OPEN = "open"
    PARTIAL = "partial"
    PAID = "paid"
    OVERDUE = "overdue"
    WRITTEN_OFF = "written_off"


class SalesEvent(IntegrationEvent):
    """Keyed by ``customer_id`` when there is one, else by ``record_id`` (the lead, activity
    or opportunity the event is about)."""

    key_field: ClassVar[str] = "record_id"

    record_id: str
    customer_id: str | None = None

    @property
    def key(self) -> str:
        return self.customer_id or self.record_id


# --- leads -----------------------------------------------------------------------------


class LeadSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    campaign_id: str | None = None
    owner: str | None = None
    status: LeadStatus
    disqualified_reason: str | None = None
    customer_id: str | None = None
    opportunity_id: str | None = None
    score: int = Field(ge=0, le=100)
    win_probability: float | None = None
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


@integration_event("crm.sales.lead_created.v1")
class LeadCreated(SalesEvent):
    lead: LeadSnapshot


@integration_event("crm.sales.lead_changed.v1")
class LeadChanged(SalesEvent):
    """Status, owner, score or data changed (``changed_fields`` says which)."""

    changed_fields: list[str]
    lead: LeadSnapshot


@integration_event("crm.sales.lead_converted.v1")
class LeadConverted(SalesEvent):
    """A lead became an opportunity. With ``customer_id`` null the person is nobody's
    customer yet: the customer master creates the customer from ``lead`` (or links the
    duplicate it finds) and answers with ``crm.customer.lead_linked.v1``."""

    opportunity_id: str
    lead: LeadSnapshot


# --- opportunities ---------------------------------------------------------------------


class OpportunitySnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    customer_id: str | None = None
    lead_id: str | None = None
    owner: str | None = None
    stage: OpportunityStage
    probability: float = Field(ge=0, le=1)
    probability_overridden: bool = False
    amount: Decimal
    currency: str
    weighted_amount: Decimal
    expected_close_date: date | None = None
    loss_reason: str | None = None
    competitor: str | None = None
    closed_at: AwareDatetime | None = None
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


@integration_event("crm.sales.opportunity_opened.v1")
class OpportunityOpened(SalesEvent):
    opportunity: OpportunitySnapshot


@integration_event("crm.sales.opportunity_changed.v1")
class OpportunityChanged(SalesEvent):
    """Anything but the stage changed (amount, owner, probability override, the customer
    it is attached to after a conversion or a merge)."""

    changed_fields: list[str]
    opportunity: OpportunitySnapshot


@integration_event("crm.sales.opportunity_stage_changed.v1")
class OpportunityStageChanged(SalesEvent):
    from_stage: OpportunityStage
    to_stage: OpportunityStage
    changed_at: datetime
    opportunity: OpportunitySnapshot


# --- quotes ----------------------------------------------------------------------------


class LineSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)  # a share of the line, 0-1
    amount: Decimal  # quantity * unit price * (1 - discount)


class QuoteSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    number: str  # the quote's number, the same for every revision
    revision: int  # 1, 2, ...
    customer_id: str | None = None
    opportunity_id: str | None = None
    status: str  # draft, sent, accepted, rejected, expired, superseded
    valid_until: date | None = None
    currency: str
    total: Decimal
    lines: list[LineSnapshot]
    version: int


@integration_event("crm.sales.quote_issued.v1")
class QuoteIssued(SalesEvent):
    """A quote or a revision of one (``revision`` > 1 supersedes the previous one)."""

    quote: QuoteSnapshot


@integration_event("crm.sales.quote_decided.v1")
class QuoteDecided(SalesEvent):
    """Accepted (``order_id`` names the order it became), rejected or expired."""

    status: str
    order_id: str | None = None
    quote: QuoteSnapshot


# --- orders and payments ---------------------------------------------------------------


class OrderSnapshot(BaseModel):
    """An order (or contract) and its receivable: the total owed, due on ``due_date``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    customer_id: str
    number: str
    external_id: str | None = None
    quote_id: str | None = None
    opportunity_id: str | None = None
    source: str  # api, quote, import
    status: str = "placed"  # placed, cancelled (a cancelled order owes nothing)
    ordered_at: AwareDatetime
    currency: str
    total: Decimal
    lines: list[LineSnapshot]
    payment_terms_days: int  # 0: due on ordering (cash, prepayment)
    due_date: date
    paid_amount: Decimal
    written_off_amount: Decimal = Decimal(0)
    paid_on: date | None = None  # the day it was paid in full
    payment_state: PaymentState
    owner: str | None = None
    version: int


@integration_event("crm.sales.order_placed.v1")
class OrderPlaced(SalesEvent):
    order: OrderSnapshot


@integration_event("crm.sales.order_payment_changed.v1")
class OrderPaymentChanged(SalesEvent):
    """A payment was recorded against the order, or its rest written off; ``order`` is its
    state after the change (what the customer master's receivable copies)."""

    payment_id: str | None = None
    amount: Decimal  # the payment, or the amount written off
    kind: str  # payment, write_off
    occurred_on: date
    order: OrderSnapshot


@integration_event("crm.sales.order_cancelled.v1")
class OrderCancelled(SalesEvent):
    reason: str | None = None
    order: OrderSnapshot


# --- activities ------------------------------------------------------------------------


class ActivitySnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    kind: ActivityKind
    subject: str
    owner: str | None = None
    due_at: AwareDatetime | None = None
    done: bool = False
    done_at: AwareDatetime | None = None
    outcome: str | None = None
    customer_id: str | None = None
    opportunity_id: str | None = None
    lead_id: str | None = None
    version: int


@integration_event("crm.sales.activity_scheduled.v1")
class ActivityScheduled(SalesEvent):
    activity: ActivitySnapshot


@integration_event("crm.sales.activity_completed.v1")
class ActivityCompleted(SalesEvent):
    activity: ActivitySnapshot


@integration_event("crm.sales.activity_due.v1")
class ActivityDue(SalesEvent):
    """The reminder: a task (or any activity with a due time) fell due and is not done."""

    owner: str | None = None
    due_at: AwareDatetime
    activity: ActivitySnapshot
