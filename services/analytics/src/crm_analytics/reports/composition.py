"""The monthly composition of the customer base (by age band, occupation, industry, region
and value band) and the scorecard per RFM segment (acquisition, retention, profitability,
cost to serve), DOMAIN.md §6: one GROUP BY per dimension over the base, shaped here."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm_shared.db import UnitOfWork

from crm_analytics.reports import rules
from crm_analytics.reports.questions import period_of, period_out
from crm_analytics.reports.repository import DIMENSIONS, Bands, ReportRepository
from crm_analytics.reports.schemas import (
    BandCount,
    CompositionReport,
    ScorecardReport,
    SegmentScorecard,
)


async def composition(
    uow: UnitOfWork, period: str, currency: str, bands: Sequence[Decimal]
) -> CompositionReport:
    asked, span = period_of(period)
    reports = ReportRepository(uow.session)
    counted: list[BandCount] = []
    customers = 0
    labels = rules.spend_bands(bands)
    banding = Bands(
        ages=rules.age_cutoffs(asked.last),
        oldest=rules.OLDEST_AGE_BAND,
        unknown=rules.UNKNOWN,
        spends=list(zip(bands, labels, strict=False)),
        highest=labels[-1],
    )
    for dimension in DIMENSIONS:
        rows = await reports.composition(span, currency, dimension, banding)
        customers = sum(count for _, count, _ in rows)
        counted += [
            BandCount(
                dimension=dimension,
                key=key,
                customers=count,
                customers_share=rules.share(count, customers),
                spend=rules.money(spend),
            )
            for key, count, spend in sorted(rows, key=lambda r: (r[0] is None, r[0] or ""))
        ]
    return CompositionReport(
        period=period_out(asked),
        currency=currency,
        customers=customers,
        spend_bands=rules.spend_bands(bands),
        dimensions=counted,
    )


async def scorecard(uow: UnitOfWork, period: str, currency: str) -> ScorecardReport:
    asked, span = period_of(period)
    rows = await ReportRepository(uow.session).scorecard(span, currency)
    cards = [_card(*row) for row in rows]
    return ScorecardReport(
        period=period_out(asked),
        currency=currency,
        segments=sorted(cards, key=lambda c: (-c.customers, c.segment is None, c.segment or "")),
    )


def _card(
    segment: str | None, customers: Any, new: Any, first_time: Any, returning: Any,
    retained: Any, orders: Any, revenue: Any, written_off: Any, tickets: Any, cost: Any,
) -> SegmentScorecard:  # fmt: skip
    count = int(customers)
    net = rules.money(revenue) - rules.money(written_off) - rules.money(cost)
    return SegmentScorecard(
        segment=segment,
        customers=count,
        new_customers=int(new),
        first_time_buyers=int(first_time),
        returning_base=int(returning),
        retained=int(retained),
        retention_rate=rules.share(int(retained), int(returning)),
        orders=int(orders or 0),
        revenue=rules.money(revenue),
        written_off=rules.money(written_off),
        recovery_cost=rules.money(cost),
        net=net,
        net_per_customer=rules.money(net / count) if count else None,
        tickets=int(tickets or 0),
        tickets_per_customer=rules.share(int(tickets or 0), count),
        recovery_cost_per_customer=rules.money(rules.money(cost) / count) if count else None,
    )
