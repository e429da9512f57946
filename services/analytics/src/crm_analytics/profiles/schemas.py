"""What the profile endpoints return.

Sections for marketing and scores are added by the issues that project those events; until
then they are absent rather than filled with made-up numbers.
"""

from datetime import date, datetime
from typing import Any

from crm_shared.contracts.customer import (
    CreditGrade,
    CustomerKind,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
)
from pydantic import BaseModel, ConfigDict, Field

from crm_analytics.marketing.schemas import MarketingOut
from crm_analytics.recommendations.schemas import SuggestionOut
from crm_analytics.sales.schemas import SalesOut
from crm_analytics.scores.schemas import ScoresOut
from crm_analytics.support.schemas import ServiceOut
from crm_analytics.timeline.schemas import TimelineSlice


class ConsentOut(BaseModel):
    granted: bool
    changed_at: datetime | None = Field(description="When this channel last changed")
    source: str | None = Field(None, description="Where the opt-in / opt-out came from")


class ContactOut(BaseModel):
    """A person at a business customer (the customer's own contacts and those of customers
    merged into it)."""

    id: str
    name: str
    email: str | None
    phone: str | None
    job_title: str | None
    department: str | None
    buying_roles: list[str]
    is_primary: bool


class LifecycleChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_stage: LifecycleStage | None = Field(description="None for the first stage")
    to_stage: LifecycleStage
    reason: str | None
    changed_by: str | None
    changed_at: datetime


class LifecycleOut(BaseModel):
    stage: LifecycleStage | None
    history: list[LifecycleChangeOut] = Field(description="Oldest first")


class CreditOut(BaseModel):
    credit_grade: CreditGrade | None
    operating_grade: OperatingGrade | None
    basis: str | None = Field(description="computed (from receivables) or manual")
    rated_at: datetime | None


class ProfileOut(BaseModel):
    customer_id: str
    resolved_from: str | None = Field(
        None,
        description="Set when the id asked for was merged into this customer: the profile "
        "returned is the survivor's (200, not a redirect)",
    )
    merged_ids: list[str] = Field(description="Customer ids merged into this one (aliases)")
    status: CustomerStatus
    version: int = Field(description="customer_version of the last change applied")
    kind: CustomerKind | None
    name: str | None
    email: str | None
    phone: str | None
    company: str | None
    owner: str | None
    source: str | None
    tags: list[str]
    birth_date: date | None
    region: str | None
    city: str | None
    industry: str | None
    segmentation: dict[str, Any]
    consent: dict[str, ConsentOut] = Field(
        description="Per channel (email, sms, phone, post): the current decision, where it came "
        "from and when it was made; after a merge, the survivor's (with the decisions taken "
        "over from the merged customer)"
    )
    contacts: list[ContactOut] = Field(
        description="The people at the customer: the primary contact first, then by name"
    )
    lifecycle: LifecycleOut
    credit: CreditOut
    sales: SalesOut = Field(
        description="Orders, revenue, payments and the open pipeline (of this customer and "
        "of every customer merged into it)"
    )
    service: ServiceOut = Field(
        description="Tickets, complaints, missed targets, recovery cost and follow-up surveys "
        "(of this customer and of every customer merged into it)"
    )
    marketing: MarketingOut = Field(
        description="Campaigns received, responses, last touch, unsubscribes per channel"
    )
    scores: ScoresOut = Field(
        description="RFM, ABC and value class, CLV, churn risk (null fields: no purchases)"
    )
    suggestions: list[SuggestionOut] = Field(
        description="Cross-sell / up-sell: products similar customers bought, with the reason"
    )
    created_at: datetime | None
    updated_at: datetime
    erased_at: datetime | None
    timeline: TimelineSlice = Field(description="The newest entries; page on with next_cursor")


class ProfileSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: str
    status: CustomerStatus
    version: int = Field(description="customer_version of the last change applied")
    kind: CustomerKind | None
    name: str | None
    company: str | None
    lifecycle_stage: LifecycleStage | None
    credit_grade: CreditGrade | None
    owner: str | None
    tags: list[str]
    updated_at: datetime
