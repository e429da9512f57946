"""All SQL of the sales section: the order and opportunity rows, and their totals per
customer (a GROUP BY each on the customer id indexes, read together in one UNION ALL)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.contracts.sales import OPEN_STAGES
from crm_shared.db import table_of
from crm_shared.db.rowset import BulkRows, Row
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import (
    CompoundSelect,
    Date,
    Table,
    bindparam,
    case,
    false,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.sales.models import SalesLead, SalesOpportunity, SalesOrder, SalesQuote
from crm_analytics.scores.models import OrderLine


@dataclass(frozen=True)
class OrderTotals:
    """A customer's orders (not cancelled) in one currency."""

    currency: str
    orders: int
    revenue: Decimal
    outstanding: Decimal
    overdue_orders: int
    last_order_at: datetime | None


@dataclass(frozen=True)
class PipelineTotals:
    """A customer's open opportunities in one currency."""

    currency: str
    open_opportunities: int
    weighted_pipeline: Decimal


# The sales section in one statement, built once (building it costs more than running it on
# a customer's few rows): per currency, the orders' totals, then the open pipeline's, told
# apart by the first column. ``customer_ids`` is the customer and its aliases.
_order = SalesOrder
_opportunity = SalesOpportunity
_unpaid = _order.total - _order.paid_amount - _order.written_off_amount
_ORDERS, _PIPELINE = "orders", "pipeline"
SECTION_TOTALS: CompoundSelect[*tuple[Any, ...]] = union_all(
    select(
        literal(_ORDERS),
        _order.currency,
        func.count(),
        func.sum(_order.total),
        func.sum(case((_unpaid > 0, _unpaid), else_=0)),
        func.sum(
            case(((_unpaid > 0) & (_order.due_date < bindparam("today", type_=Date)), 1), else_=0)
        ),
        func.max(_order.ordered_at),
    )
    .where(
        _order.customer_id.in_(bindparam("customer_ids", expanding=True)),
        _order.cancelled == false(),
    )
    .group_by(_order.currency),
    select(
        literal(_PIPELINE),
        _opportunity.currency,
        func.count(),
        func.sum(_opportunity.weighted_amount),
        null(),
        null(),
        null(),
    )
    .where(
        _opportunity.customer_id.in_(bindparam("customer_ids", expanding=True)),
        _opportunity.stage.in_([stage.value for stage in OPEN_STAGES]),
    )
    .group_by(_opportunity.currency),
)


class SalesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def orders(self) -> BulkRows:
        table: Table = table_of(SalesOrder)
        return BulkRows(self.session, table, key="order_id")

    def opportunities(self) -> BulkRows:
        table: Table = table_of(SalesOpportunity)
        return BulkRows(self.session, table, key="opportunity_id")

    async def add_order_lines(self, rows: list[Row]) -> None:
        """Order lines not stored yet (one executemany; stored ones are left as they are)."""
        if rows:
            table: Table = table_of(OrderLine)
            statement = insert_ignoring_duplicates(self.session, table, ("order_id", "line_no"))
            await self.session.execute(statement, rows)

    def leads(self) -> BulkRows:
        table: Table = table_of(SalesLead)
        return BulkRows(self.session, table, key="lead_id")

    def quotes(self) -> BulkRows:
        table: Table = table_of(SalesQuote)
        return BulkRows(self.session, table, key="quote_id")

    async def section_totals(
        self, customer_ids: Collection[str], today: date
    ) -> tuple[list[OrderTotals], list[PipelineTotals]]:
        """Per currency (in currency order), over the orders and the open opportunities of
        these customers (one and its aliases)."""
        rows = await self.session.execute(
            SECTION_TOTALS, {"customer_ids": sorted(customer_ids), "today": today}
        )
        orders: list[OrderTotals] = []
        pipeline: list[PipelineTotals] = []
        for source, currency, count, amount, outstanding, overdue, last in sorted(
            rows, key=lambda row: row[1]
        ):
            if source == _ORDERS:
                orders.append(
                    OrderTotals(
                        currency,
                        int(count),
                        Decimal(amount),
                        Decimal(outstanding),
                        int(overdue),
                        last,
                    )
                )
            else:
                pipeline.append(PipelineTotals(currency, int(count), Decimal(amount)))
        return orders, pipeline
