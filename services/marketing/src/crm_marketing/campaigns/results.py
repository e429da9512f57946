"""What a campaign did and earned: its messages counted by what became of them, its cost,
and the orders attributed to it, as ROI = (attributed revenue - cost) / cost; and the same
over the campaigns launched in a period, per campaign and per channel.

The counts come from grouped statements over all the campaigns asked about at once (the
messages per campaign, status and outcome; the credits per campaign); a channel's totals
add up its campaigns' rows (an order credited to two campaigns counts for each)."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.contracts.marketing import MarketingChannel, ResponseKind
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.periods import Period, PeriodForm, forms_text, parse_period

from crm_marketing.attribution.repository import AttributionRepository
from crm_marketing.attribution.rules import roi
from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.service import load
from crm_marketing.channels.base import Outcome
from crm_marketing.sends.repository import MessageRepository, MessageStatus

CENT = Decimal("0.01")
Tally = Mapping[tuple[str, str | None], Mapping[str, int]]
# A response of each kind, by the tally's count of it.
RESPONSE_KINDS = {
    ResponseKind.CLICK: "clicked",
    ResponseKind.FORM: "form",
    ResponseKind.REPLY: "reply",
}
# Counted per message from the tally as they are.
COUNTED = ("opened", "clicked", "responded", "unsubscribed")
NOTHING_CREDITED = (0, Decimal(0))
WAITING = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.HELD)


@dataclass(frozen=True)
class Figures:
    """What messages did and earned: a campaign's, or a channel's campaigns' together."""

    audience: int
    sent: int
    delivered: int
    posted: int  # letters on the mail list (paper has no delivery receipt)
    bounced: int
    opened: int
    clicked: int
    responded: int
    responses: dict[str, int]
    unsubscribed: int
    orders: int
    revenue: Decimal
    cost: Decimal
    roi: float | None
    response_rate: float | None
    conversion_rate: float | None
    currency: str


@dataclass(frozen=True)
class Results(Figures):
    pending: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)
    unknown: int = 0
    variants: dict[str, dict[str, float]] = field(default_factory=dict)
    winner: str | None = None


@dataclass(frozen=True)
class CampaignRow(Figures):
    campaign_id: str = ""
    name: str = ""
    channel: str = ""
    status: str = ""
    launched_at: datetime | None = None


@dataclass(frozen=True)
class ChannelRow(Figures):
    channel: str = ""
    campaigns: int = 0


@dataclass(frozen=True)
class CampaignReport:
    period: Period
    campaigns: list[CampaignRow]
    channels: list[ChannelRow]


def _share(part: int | Decimal, whole: int | Decimal) -> float | None:
    return float(part) / float(whole) if whole else None


def _count(tally: Tally, what: str, status: str | None = None, outcome: str | None = None) -> int:
    return sum(
        figures[what]
        for (s, o), figures in tally.items()
        if (status is None or s == status) and (outcome is None or o == outcome)
    )


def _figures(campaign: Campaign, tally: Tally, credited: tuple[int, Decimal]) -> Figures:
    sent = _count(tally, "messages", MessageStatus.SENT)
    cost = (campaign.fixed_cost + campaign.cost_per_message * sent).quantize(CENT)
    return _with_rates(
        {
            "audience": _count(tally, "messages"),
            "sent": sent,
            "delivered": _count(tally, "messages", MessageStatus.SENT, Outcome.DELIVERED),
            "posted": _count(tally, "messages", MessageStatus.SENT, Outcome.POSTED),
            "bounced": _count(tally, "messages", MessageStatus.SENT, Outcome.BOUNCED),
            **{name: _count(tally, name) for name in COUNTED},
            "orders": credited[0],
            "revenue": credited[1].quantize(CENT),
            "cost": cost,
        },
        {str(kind): _count(tally, what) for kind, what in RESPONSE_KINDS.items()},
        campaign.currency,
    )


def _with_rates(sums: Mapping[str, Any], responses: dict[str, int], currency: str) -> Figures:
    revenue, cost = sums["revenue"], sums["cost"]
    # The rates' base: what reached the customer (a letter, once posted).
    reached = sums["delivered"] + sums["posted"]
    return Figures(
        **sums,
        responses=responses,
        roi=roi(float(revenue), float(cost)),
        response_rate=_share(sums["responded"], reached),
        conversion_rate=_share(sums["orders"], reached),
        currency=currency,
    )


async def campaign_results(uow: UnitOfWork, campaign_id: str) -> Results:
    campaign = await load(uow, campaign_id)
    tally = await MessageRepository(uow.session).tally(campaign.id)
    credited = await AttributionRepository(uow.session).sums([campaign.id])
    variants = {}
    if campaign.ab_test is not None:
        metric = str(campaign.ab_test.get("metric", "clicked"))
        for name, row in (await MessageRepository(uow.session).by_variant(campaign.id)).items():
            rate = row[metric] / row["delivered"] if row["delivered"] else 0.0
            variants[name] = {**row, "rate": rate}
    figures = _figures(campaign, tally, credited.get(campaign.id, NOTHING_CREDITED))
    return Results(
        **asdict(figures),
        pending=sum(_count(tally, "messages", status) for status in WAITING),
        suppressed={
            str(outcome): figures["messages"]
            for (status, outcome), figures in sorted(tally.items(), key=lambda item: str(item[0]))
            if status == MessageStatus.SUPPRESSED
        },
        unknown=_count(tally, "messages", MessageStatus.UNKNOWN),
        variants=variants,
        winner=campaign.ab_winner,
    )


REPORT_PERIODS = (PeriodForm.WEEK, PeriodForm.MONTH, PeriodForm.QUARTER)
PERIOD_FORMS = forms_text(REPORT_PERIODS)


async def campaign_report(uow: UnitOfWork, asked: str, currency: str) -> CampaignReport:
    """The campaigns launched in the period ``asked`` (midnight to midnight UTC), each with
    its figures so far, and the totals of each channel (per currency: money is never added
    across currencies)."""
    try:
        period = parse_period(asked, REPORT_PERIODS)
    except ValueError as error:
        raise InvalidError(str(error), location="query.period", code="invalid-period") from error
    campaigns = await CampaignRepository(uow.session).launched_between(period.start, period.end)
    ids = [campaign.id for campaign in campaigns]
    tallies = await MessageRepository(uow.session).tallies(ids)
    credited = await AttributionRepository(uow.session).sums(ids)
    rows = [
        CampaignRow(
            **asdict(
                _figures(
                    campaign,
                    tallies.get(campaign.id, {}),
                    credited.get(campaign.id, NOTHING_CREDITED),
                )
            ),
            campaign_id=campaign.id,
            name=campaign.name,
            channel=campaign.channel,
            status=campaign.status,
            launched_at=campaign.launched_at,
        )
        for campaign in campaigns
    ]
    return CampaignReport(period=period, campaigns=rows, channels=channel_totals(rows, currency))


SUMMED = (
    "audience",
    "sent",
    "delivered",
    "posted",
    "bounced",
    *COUNTED,
    "orders",
    "revenue",
    "cost",
)


def channel_totals(rows: Sequence[CampaignRow], currency: str) -> list[ChannelRow]:
    """Per channel (all four, in the contract's order) and per currency of its campaigns
    (``currency`` for a channel without any): the campaigns' figures added up, and the
    rates and ROI of the sums."""
    totals = []
    for channel in MarketingChannel:
        mine = [row for row in rows if row.channel == channel]
        for each in sorted({row.currency for row in mine}) or [currency]:
            totals.append(_channel_row(channel, each, [r for r in mine if r.currency == each]))
    return totals


def _channel_row(channel: str, currency: str, rows: Sequence[CampaignRow]) -> ChannelRow:
    sums = {name: sum(getattr(row, name) for row in rows) for name in SUMMED}
    sums["revenue"] = Decimal(sums["revenue"]).quantize(CENT)
    sums["cost"] = Decimal(sums["cost"]).quantize(CENT)
    responses = {
        str(kind): sum(row.responses.get(str(kind), 0) for row in rows) for kind in RESPONSE_KINDS
    }
    return ChannelRow(
        **asdict(_with_rates(sums, responses, currency)), channel=channel, campaigns=len(rows)
    )
