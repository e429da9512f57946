"""What a campaign did and earned: its messages counted by what became of them, its cost,
and the orders attributed to it, as ROI = (attributed revenue - cost) / cost."""

from dataclasses import dataclass
from decimal import Decimal

from crm_shared.db import UnitOfWork

from crm_marketing.attribution.repository import AttributionRepository
from crm_marketing.attribution.rules import roi
from crm_marketing.campaigns.service import load
from crm_marketing.channels.base import Outcome
from crm_marketing.sends.repository import MessageRepository, MessageStatus

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Results:
    audience: int
    pending: int
    sent: int
    suppressed: dict[str, int]
    unknown: int
    delivered: int
    bounced: int
    opened: int
    clicked: int
    responded: int
    unsubscribed: int
    orders: int
    revenue: Decimal
    cost: Decimal
    roi: float | None
    response_rate: float | None
    conversion_rate: float | None
    currency: str
    variants: dict[str, dict[str, float]]
    winner: str | None


def _share(part: int | Decimal, whole: int | Decimal) -> float | None:
    return float(part) / float(whole) if whole else None


async def campaign_results(uow: UnitOfWork, campaign_id: str) -> Results:
    campaign = await load(uow, campaign_id)
    tally = await MessageRepository(uow.session).tally(campaign.id)

    def count(status: str, outcome: str | None = None, what: str = "messages") -> int:
        return sum(
            figures[what]
            for (s, o), figures in tally.items()
            if s == status and (outcome is None or o == outcome)
        )

    def total(what: str) -> int:
        return sum(figures[what] for figures in tally.values())

    sent = count(MessageStatus.SENT)
    delivered = count(MessageStatus.SENT, Outcome.DELIVERED)
    # The rates' base: what reached the customer (a letter, once posted: no receipt).
    reached = delivered + count(MessageStatus.SENT, Outcome.POSTED)
    clicked = total("clicked")
    orders, revenue = await AttributionRepository(uow.session).sums(campaign.id)
    revenue = revenue.quantize(CENT)
    variants = {}
    if campaign.ab_test is not None:
        metric = str(campaign.ab_test.get("metric", "clicked"))
        counted = "clicked" if metric == "responded" else metric
        for name, row in (await MessageRepository(uow.session).by_variant(campaign.id)).items():
            rate = row[counted] / row["delivered"] if row["delivered"] else 0.0
            variants[name] = {**row, "rate": rate}
    cost = (campaign.fixed_cost + campaign.cost_per_message * sent).quantize(CENT)
    return Results(
        audience=sum(figures["messages"] for figures in tally.values()),
        pending=sum(
            count(status)
            for status in (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.HELD)
        ),
        sent=sent,
        suppressed={
            str(outcome): figures["messages"]
            for (status, outcome), figures in sorted(tally.items(), key=lambda item: str(item[0]))
            if status == MessageStatus.SUPPRESSED
        },
        unknown=count(MessageStatus.UNKNOWN),
        delivered=delivered,
        bounced=count(MessageStatus.SENT, Outcome.BOUNCED),
        opened=total("opened"),
        clicked=clicked,
        responded=clicked,
        unsubscribed=total("unsubscribed"),
        orders=orders,
        revenue=revenue,
        cost=cost,
        roi=roi(float(revenue), float(cost)),
        response_rate=_share(clicked, reached),
        conversion_rate=_share(orders, reached),
        currency=campaign.currency,
        variants=variants,
        winner=campaign.ab_winner,
    )
