"""The business's questions over a period (DOMAIN.md §6): why did customers not buy, what
did each customer cost and yield, did the campaign work, what are customers dissatisfied
with. The repository aggregates; this shapes its answers into the reports."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.periods import Period, parse_period

from crm_analytics.reports import rules
from crm_analytics.reports.repository import CAMPAIGN_EVENTS, ReportRepository, Span, YieldRow
from crm_analytics.reports.schemas import (
    CampaignOut,
    CampaignReport,
    CampaignRevenue,
    CategoryCount,
    CustomerYield,
    CustomerYieldReport,
    DissatisfactionReport,
    LostCount,
    LostOpportunity,
    LostSalesReport,
    PeriodOut,
    RefusedQuote,
    RefusedQuotes,
    SurveyItemOut,
    YieldOrder,
    YieldTotals,
)
from crm_analytics.sales.models import SalesOpportunity

# The source sales names on the leads it opens for marketing's responses.
MARKETING_SOURCE = "campaign"
DETAIL_LIMIT = 500  # a customer's lost opportunities and refused quotes listed at most
CAMPAIGN_NOTES = [
    "Attributed by lead: the campaign_id and source the sales service recorded on each lead "
    "created in the period; its customer (the lead's, or its opportunity's) and their orders "
    "placed in the period after the lead came in, not cancelled.",
    "Marketing's campaigns: the messages sent, delivered, first opened and first clicked in "
    "the period, the responses (a click, the response form or a reply; each opens a lead "
    f'with source "{MARKETING_SOURCE}") and the unsubscribes, from marketing\'s events; on '
    f"the campaign's \"{MARKETING_SOURCE}\" row. Marketing's own attributed revenue, cost "
    "and ROI are its results and its campaign-results report.",
]


def period_of(text: str) -> tuple[Period, Span]:
    try:
        period = parse_period(text, rules.REPORT_PERIODS)
    except ValueError as error:
        raise InvalidError(str(error), location="query.period", code="invalid-period") from error
    return period, Span(period.start, period.end)


def period_out(period: Period) -> PeriodOut:
    return PeriodOut(label=period.label, start=period.start, end=period.end)


async def lost_sales(uow: UnitOfWork, period: str, customer_id: str | None) -> LostSalesReport:
    asked, span = period_of(period)
    reports = ReportRepository(uow.session)
    customers = None if customer_id is None else await reports.customer_and_aliases(customer_id)
    opportunities, quotes = [], []
    if customers is not None:
        opportunities = await reports.lost_opportunities(span, customers, DETAIL_LIMIT)
        quotes = await reports.refused_quote_rows(span, customers, DETAIL_LIMIT)
    return LostSalesReport(
        period=period_out(asked),
        customer_id=customer_id,
        by_reason=_lost(await reports.lost_by(SalesOpportunity.loss_reason, span, customers)),
        by_competitor=_lost(await reports.lost_by(SalesOpportunity.competitor, span, customers)),
        refused_quotes=[
            RefusedQuotes(status=status, currency=currency, quotes=count, total=rules.money(total))
            for status, currency, count, total in await reports.refused_quotes(span, customers)
        ],
        opportunities=[
            LostOpportunity(
                opportunity_id=o.opportunity_id,
                customer_id=o.customer_id,
                currency=o.currency,
                amount=rules.money(o.amount),
                loss_reason=o.loss_reason,
                competitor=o.competitor,
                closed_at=o.closed_at,
            )
            for o in opportunities
        ],
        quotes=[
            RefusedQuote(
                quote_id=q.quote_id,
                customer_id=q.customer_id,
                status=q.status,
                currency=q.currency,
                total=rules.money(q.total),
                decided_at=q.decided_at,
            )
            for q in quotes
        ],
    )


def _lost(rows: Iterable[tuple[str | None, str, int, Any]]) -> list[LostCount]:
    return [
        LostCount(key=key, currency=currency, opportunities=count, amount=rules.money(amount))
        for key, currency, count, amount in rows
    ]


async def customer_yield(
    uow: UnitOfWork, period: str, currency: str, order: YieldOrder, limit: int
) -> CustomerYieldReport:
    asked, span = period_of(period)
    reports = ReportRepository(uow.session)
    found = await reports.yields(span, currency, highest_first=order is YieldOrder.TOP, limit=limit)
    customers, totals = await reports.yield_totals(span, currency)
    return CustomerYieldReport(
        period=period_out(asked),
        currency=currency,
        order=order,
        totals=YieldTotals(customers=customers, **_figures(totals)),
        customers=[CustomerYield(customer_id=row.customer_id, **_figures(row)) for row in found],
    )


def _figures(row: YieldRow) -> dict[str, Any]:
    return {
        "orders": row.orders,
        "revenue": rules.money(row.revenue),
        "paid": rules.money(row.paid),
        "written_off": rules.money(row.written_off),
        "recovery_cost": rules.money(row.recovery_cost),
        "net": rules.money(row.revenue - row.written_off - row.recovery_cost),
    }


async def campaigns(uow: UnitOfWork, period: str) -> CampaignReport:
    asked, span = period_of(period)
    reports = ReportRepository(uow.session)
    revenue: dict[tuple[str | None, str | None], list[CampaignRevenue]] = defaultdict(list)
    for campaign, source, currency, customers, orders, total in await reports.campaign_orders(span):
        revenue[(campaign, source)].append(
            CampaignRevenue(
                currency=currency, customers=customers, orders=orders, revenue=rules.money(total)
            )
        )
    rows: dict[tuple[str | None, str | None], dict[str, Any]] = {
        (campaign, source): {
            "leads": leads,
            "converted": converted,
            "conversion_rate": rules.share(converted, leads),
        }
        for campaign, source, leads, converted in await reports.campaign_leads(span)
    }
    for campaign, event_type, count in await reports.campaign_messages(span):
        row = rows.setdefault(
            (campaign, MARKETING_SOURCE), {"leads": 0, "converted": 0, "conversion_rate": None}
        )
        row[CAMPAIGN_EVENTS[event_type]] = count
    return CampaignReport(
        period=period_out(asked),
        campaigns=[
            CampaignOut(
                campaign_id=campaign,
                source=source,
                revenue=sorted(revenue[(campaign, source)], key=lambda r: r.currency),
                **rows[(campaign, source)],
            )
            for campaign, source in sorted(rows, key=_campaign_order)
        ],
        notes=CAMPAIGN_NOTES,
    )


def _campaign_order(key: tuple[str | None, str | None]) -> tuple[bool, str, bool, str]:
    """As the leads come: by campaign, then source, the unnamed last."""
    campaign, source = key
    return (campaign is None, campaign or "", source is None, source or "")


async def dissatisfaction(uow: UnitOfWork, period: str, limit: int) -> DissatisfactionReport:
    asked, span = period_of(period)
    reports = ReportRepository(uow.session)
    return DissatisfactionReport(
        period=period_out(asked),
        complaints=[
            CategoryCount(category=category, complaints=count, major=major)
            for category, count, major in await reports.complaint_categories(span)
        ],
        items=_lowest_items(await reports.survey_answers(span))[:limit],
    )


def _lowest_items(surveys: list[list[dict[str, Any]]]) -> list[SurveyItemOut]:
    """Per item over every answer: answers, mean score, mean C = score / expected (over the
    answers that gave the expectation); lowest mean score first, ties by the item."""
    scores: dict[str, list[float]] = defaultdict(list)
    satisfaction: dict[str, list[float]] = defaultdict(list)
    for answers in surveys:
        for answer in answers:
            item, score, expected = answer.get("item"), answer.get("score"), answer.get("expected")
            if not isinstance(item, str) or not isinstance(score, int | float):
                continue
            scores[item].append(float(score))
            if isinstance(expected, int | float) and expected > 0:
                satisfaction[item].append(float(score) / float(expected))
    items = [
        SurveyItemOut(
            item=item,
            answers=len(values),
            mean_score=rules.mean(sum(values), len(values)),
            satisfaction_answers=len(satisfaction[item]),
            mean_satisfaction=rules.mean(sum(satisfaction[item]), len(satisfaction[item])),
        )
        for item, values in scores.items()
    ]
    return sorted(items, key=lambda i: (i.mean_score or 0.0, i.item))
