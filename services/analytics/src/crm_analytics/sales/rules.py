"""The profile's sales figures from the per-currency totals, as a pure function.

Money of different currencies is never added up: a figure is given as one amount when all
of the customer's sales (orders and open opportunities) are in one currency (``currency``
names it) or there are none (zero), and as ``null`` when they are mixed; the
``*_by_currency`` maps always hold the amount per currency.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_analytics.sales.repository import OrderTotals, PipelineTotals

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SalesFigures:
    orders: int
    currency: str | None
    revenue: Decimal | None
    revenue_by_currency: dict[str, Decimal]
    last_order_at: datetime | None
    open_opportunities: int
    weighted_pipeline: Decimal | None
    weighted_pipeline_by_currency: dict[str, Decimal]
    outstanding: Decimal | None
    outstanding_by_currency: dict[str, Decimal]
    overdue_orders: int


def sales_figures(
    orders: Sequence[OrderTotals], pipeline: Sequence[PipelineTotals]
) -> SalesFigures:
    currencies = sorted({o.currency for o in orders} | {p.currency for p in pipeline})
    single = len(currencies) <= 1
    revenue = {o.currency: _cents(o.revenue) for o in orders}
    outstanding = {o.currency: _cents(o.outstanding) for o in orders}
    weighted = {p.currency: _cents(p.weighted_pipeline) for p in pipeline}
    last_orders = [o.last_order_at for o in orders if o.last_order_at is not None]
    return SalesFigures(
        orders=sum(o.orders for o in orders),
        currency=currencies[0] if len(currencies) == 1 else None,
        revenue=_total(revenue) if single else None,
        revenue_by_currency=revenue,
        last_order_at=max(last_orders, default=None),
        open_opportunities=sum(p.open_opportunities for p in pipeline),
        weighted_pipeline=_total(weighted) if single else None,
        weighted_pipeline_by_currency=weighted,
        outstanding=_total(outstanding) if single else None,
        outstanding_by_currency=outstanding,
        overdue_orders=sum(o.overdue_orders for o in orders),
    )


def _total(amounts: dict[str, Decimal]) -> Decimal:
    return sum(amounts.values(), Decimal(0)).quantize(CENT)


def _cents(amount: Decimal) -> Decimal:
    # SQLite sums NUMERIC as floating point: back to cents.
    return Decimal(amount).quantize(CENT)
