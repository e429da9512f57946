"""Request and response bodies of leads, their conversion and the learnt scoring model."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from crm_shared.contracts.sales import LeadStatus
from crm_shared.fields import (
    Currency,
    EmailAddress,
    Omittable,
    PositiveAmount,
    RecordId,
    refuse_null,
    text,
)
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Name = Annotated[str, text(200)]
Text32 = Annotated[str, text(32)]
Text100 = Annotated[str, text(100)]
Text200 = Annotated[str, text(200)]
Reason = Annotated[str, text(2000)]
# The shape of a phone number as people type it; whether it exists is checked by the
# service (422 invalid-phone-number), as the customer master does.
PhoneText = Annotated[
    str,
    StringConstraints(max_length=40, pattern=r"^[+(]?[0-9][0-9 ().\-/]{2,38}$"),
    Field(
        description="as typed (+country code, or read in CRM_SALES_DEFAULT_PHONE_REGION); must "
        "be a valid number of its country's numbering plan (422 invalid-phone-number)",
        examples=["+14155550123"],
    ),
]
CompanySize = Annotated[int, Field(ge=0, le=10_000_000, description="employees")]


class StatusSet(StrEnum):
    """The statuses a PATCH may set (conversion and disqualification have endpoints)."""

    NEW = "new"
    QUALIFIED = "qualified"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeadCreate(Strict):
    name: Name
    company: Text200 | None = None
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    source: Text32 | None = Field(None, description="web, referral, partner, event, campaign…")
    campaign_id: RecordId | None = None
    external_id: Text100 | None = None
    customer_id: RecordId | None = Field(
        None, description="the customer the lead is; found by e-mail or phone when left out"
    )
    owner: Text100 | None = Field(
        None, description="left out: routed by the allocation rules (or left in the pool)"
    )
    industry: Text100 | None = None
    region: Text100 | None = None
    role: Text100 | None = Field(None, description="the person's job title, e.g. CFO")
    company_size: CompanySize | None = None


class LeadUpdate(Strict):
    """A partial update: fields present are set (``null`` clears), absent ones are kept.
    ``status`` may go from new to qualified here; disqualify and convert have endpoints of
    their own."""

    name: Omittable[Name] = None
    company: Text200 | None = None
    email: EmailAddress | None = None
    phone: PhoneText | None = None
    source: Text32 | None = None
    campaign_id: RecordId | None = None
    external_id: Text100 | None = None
    owner: Text100 | None = None
    industry: Text100 | None = None
    region: Text100 | None = None
    role: Text100 | None = None
    company_size: CompanySize | None = None
    status: Omittable[StatusSet] = Field(
        None, description="qualified (from new); convert and disqualify have their endpoints"
    )

    _not_null = field_validator("name", "status")(refuse_null)


class DisqualifyIn(Strict):
    reason: Reason


class OpportunityIn(Strict):
    name: Name
    amount: PositiveAmount
    currency: Currency | None = Field(None, description="ISO 4217; the service's default")
    expected_close_date: date | None = None


class ConvertIn(Strict):
    opportunity: OpportunityIn


class ScoreReason(BaseModel):
    rule: str
    points: int
    detail: str


class LeadOut(BaseModel):
    id: str
    name: str
    company: str | None
    email: str | None
    phone: str | None
    source: str | None
    campaign_id: str | None
    campaign_name: str | None = Field(
        description="the campaign's name when marketing opened the lead from a response"
    )
    external_id: str | None
    owner: str | None
    industry: str | None
    region: str | None
    role: str | None
    company_size: int | None
    status: LeadStatus
    disqualified_reason: str | None
    customer_id: str | None
    opportunity_id: str | None
    activities_done: int
    campaign_responses: int
    score: int = Field(ge=0, le=100)
    score_reasons: list[ScoreReason]
    win_probability: float | None = Field(
        description="the learnt model's estimate (0-1); null until enough closed history"
    )
    converted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class DuplicateOut(BaseModel):
    id: str
    matched_on: list[str]


class LeadCreatedOut(LeadOut):
    duplicates: list[DuplicateOut] = Field(
        default_factory=list,
        description="open leads with the same e-mail or phone (only with "
        "CRM_SALES_LEAD_DUPLICATES=warn; refuse answers 409 lead-duplicate)",
    )
    routed_by: str | None = Field(
        None,
        description="how the owner was chosen when none was given: territory, "
        "industry, round_robin or pool",
    )


class ConversionOut(BaseModel):
    opportunity_id: str
    customer_id: str | None = Field(
        description="null until the customer master says which customer the lead is"
    )
    lead: LeadOut


class FeatureWeight(BaseModel):
    feature: str
    label: str
    weight: float
    odds_factor: float
    explanation: str


class ScoringModelOut(BaseModel):
    trained: bool
    detail: str
    trained_at: datetime | None = None
    n_samples: int | None = None
    n_won: int | None = None
    holdout_accuracy: float | None = None
    intercept: float | None = None
    features: list[FeatureWeight] = Field(default_factory=list)
    min_history: int
    closed_history: int


def lead_fields(lead: Any) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in LeadOut.model_fields}
