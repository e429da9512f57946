"""Request and response bodies of campaigns, and their results."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.contracts.segments import SegmentFilter
from crm_shared.fields import (
    Currency,
    Instant,
    NonNegativeAmount,
    Omittable,
    RecordId,
    refuse_null,
    text,
)
from crm_shared.long_csv import PeriodOut
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_marketing.campaigns.ab import Metric
from crm_marketing.campaigns.rules import CampaignStatus

Name = Annotated[str, text(200)]
Objective = Annotated[str, text(2000)]
Owner = Annotated[str, text(100)]
Subject = Annotated[str, text(300)]
Body = Annotated[str, text(100_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    subject: Subject | None = Field(
        None,
        description="The e-mail's subject (required for e-mail; a letter has none); a template too",
    )
    body: Body = Field(
        description="The text (e-mail's plain part, the SMS, the call script, the letter): "
        "a sandboxed Jinja2 template over the customer's fields (`{{ first_name | "
        'default("friend") }}`); a missing field renders empty or its default'
    )
    html: Body | None = Field(
        None, description="The e-mail's HTML part (links are tracked, a pixel counts opens)"
    )


class AbTestIn(Strict):
    alternatives: list[MessageIn] = Field(
        min_length=1,
        max_length=4,
        description="The variants tested against the campaign's message (variant A): B, C, ...",
    )
    share: float = Field(
        0.2, ge=0.02, le=1.0, description="The share of the audience in the test, split equally"
    )
    metric: Metric = Field(Metric.CLICKED, description="What decides the winner (a rate)")
    decide_after_hours: int = Field(
        24, ge=1, le=720, description="After launch; then the rest of the audience gets the winner"
    )


class CampaignCreate(Strict):
    """The audience is either a saved segment (``segment_id``) or an inline filter
    (``audience``, in the segments' filter language), never both. Analytics saves an inline
    filter as a segment of its own (the campaign's ``segment_id``) and evaluates it; a launch
    waits until its members have arrived."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["segment_id"]}, {"required": ["audience"]}]}
    )

    name: Name
    objective: Objective | None = None
    channel: MarketingChannel
    segment_id: Omittable[RecordId] = Field(
        None, description="The analytics segment whose members it reaches (or `audience`)"
    )
    # Its schema is the filter's own (described there).
    audience: Omittable[SegmentFilter] = None
    live_audience: bool = Field(
        False,
        description="Keep the audience live: a customer who joins the segment while the "
        "campaign runs gets the message too (otherwise the members at launch only)",
    )
    message: MessageIn
    ab_test: AbTestIn | None = Field(None, description="Test variants of the message first")
    budget: NonNegativeAmount | None = None
    fixed_cost: NonNegativeAmount = Field(Decimal("0"), description="Set-up cost, spent once")
    cost_per_message: NonNegativeAmount = Field(Decimal("0"), description="Per message sent")
    currency: Currency | None = Field(None, description="Left out: the service's currency")
    starts_at: Instant | None = Field(None, description="Launching earlier waits for it")
    ends_at: Instant | None = Field(None, description="Nothing is sent after it")
    owner: Owner | None = Field(None, description="Left out: the caller")

    _not_null = field_validator("segment_id", "audience")(refuse_null)


class CampaignUpdate(Strict):
    """A partial update: fields present are set (``null`` clears), absent ones are kept. A
    launched campaign changes only its plan (name, objective, budget, costs, end, owner)."""

    name: Omittable[Name] = None
    objective: Objective | None = None
    segment_id: Omittable[RecordId] = None
    live_audience: Omittable[bool] = None
    message: Omittable[MessageIn] = None
    ab_test: AbTestIn | None = None
    budget: NonNegativeAmount | None = None
    fixed_cost: Omittable[NonNegativeAmount] = None
    cost_per_message: Omittable[NonNegativeAmount] = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    owner: Owner | None = None

    _not_null = field_validator(
        "name", "segment_id", "live_audience", "message", "fixed_cost", "cost_per_message"
    )(refuse_null)


class CampaignOut(BaseModel):
    id: str
    name: str
    objective: str | None
    channel: MarketingChannel
    status: CampaignStatus
    segment_id: str = Field(
        description="The analytics segment it reaches (with an inline audience: the one "
        "analytics saves for it)"
    )
    audience_filter: dict[str, Any] | None = Field(
        description="The inline audience's filter (null: a saved segment was chosen)"
    )
    audience_ready: bool = Field(
        description="Whether the audience's members have arrived from analytics (always "
        "true for a saved segment); a launched campaign waits, scheduled, until they have"
    )
    audience_problem: str | None = Field(
        description="Why analytics selected no one for the inline audience, if it could not "
        "evaluate it (e.g. a band its settings do not name)"
    )
    live_audience: bool
    message: MessageIn
    ab_test: AbTestIn | None
    ab_winner: str | None = Field(description="The variant that won the A/B test, once decided")
    budget: Decimal | None
    fixed_cost: Decimal
    cost_per_message: Decimal
    currency: str
    starts_at: datetime | None
    ends_at: datetime | None
    owner: str | None
    audience: int = Field(description="Members enrolled (at launch, and since if live)")
    created_by: str | None
    created_at: datetime
    launched_at: datetime | None
    finished_at: datetime | None
    version: int


class VariantResultsOut(BaseModel):
    sent: int
    delivered: int
    opened: int
    clicked: int
    responded: int = Field(description="Messages answered (a click, the form, a reply)")
    rate: float = Field(description="The test's metric over delivered")


RESPONSES_DESCRIPTION = "Messages answered per kind: click (the first click on a tracked link), "
RESPONSES_DESCRIPTION += "form (the response page), reply (an e-mail answer); one message may "
RESPONSES_DESCRIPTION += "count under several"


class FiguresOut(BaseModel):
    """What messages did and earned."""

    audience: int = Field(description="Members enrolled")
    sent: int = Field(description="Handed to the channel")
    delivered: int
    posted: int = Field(description="Letters on the mail list (paper has no delivery receipt)")
    bounced: int
    opened: int
    clicked: int
    responded: int = Field(description="Messages answered (a click, the form or a reply)")
    responses: dict[str, int] = Field(description=RESPONSES_DESCRIPTION)
    unsubscribed: int
    orders: int = Field(description="Orders attributed to the campaign")
    revenue: Decimal = Field(description="Their revenue, in the campaign's currency")
    cost: Decimal = Field(description="Fixed cost + cost per message x sent")
    roi: float | None = Field(description="(revenue - cost) / cost; null without a cost")
    response_rate: float | None = Field(description="Responded / delivered (letters: posted)")
    conversion_rate: float | None = Field(description="Orders / delivered (letters: posted)")
    currency: str


class ResultsOut(FiguresOut):
    """What the campaign did and earned so far."""

    pending: int = Field(
        description="Still to be sent (the queue, quiet hours, a retry, an A/B test's rest)"
    )
    suppressed: dict[str, int] = Field(description="Skipped, by reason")
    unknown: int = Field(
        description="Claimed by a sender that died while sending: maybe sent, never resent"
    )
    variants: dict[str, VariantResultsOut] = Field(
        default_factory=dict, description="Per A/B variant (empty without a test)"
    )
    winner: str | None = None


class CampaignRowOut(FiguresOut):
    csv_key: ClassVar[tuple[str, ...]] = ("campaign_id",)
    campaign_id: str
    name: str
    channel: MarketingChannel
    status: CampaignStatus
    launched_at: datetime | None


class ChannelRowOut(FiguresOut):
    csv_key: ClassVar[tuple[str, ...]] = ("channel", "currency")
    channel: MarketingChannel
    campaigns: int = Field(description="Campaigns of the channel launched in the period")


class CampaignReportOut(BaseModel):
    period: PeriodOut
    campaigns: list[CampaignRowOut] = Field(description="Launched in the period, in launch order")
    channels: list[ChannelRowOut] = Field(
        description="Per channel (all four) and currency: its campaigns' figures added up, "
        "the rates and ROI of the sums"
    )
