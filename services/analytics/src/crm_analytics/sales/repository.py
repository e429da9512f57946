"""All SQL of the sales section: the order and opportunity rows, and their totals per
customer (one GROUP BY each, on the customer id index)."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from crm_shared.contracts.sales import OPEN_STAGES
from crm_shared.db import table_of
from crm_shared.db.rowset import BulkRows, Row
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import Table, case, false, func, select
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

    async def order_totals(self, customer_ids: Collection[str], today: date) -> list[OrderTotals]:
        """Per currency, over the orders of these customers (one and its aliases)."""
        order = SalesOrder
        unpaid = order.total - order.paid_amount - order.written_off_amount
        statement = (
            select(
                order.currency,
                func.count(),
                func.sum(order.total),
                func.sum(case((unpaid > 0, unpaid), else_=0)),
                func.sum(case(((unpaid > 0) & (order.due_date < today), 1), else_=0)),
                func.max(order.ordered_at),
            )
            .where(order.customer_id.in_(sorted(customer_ids)), order.cancelled == false())
            .group_by(order.currency)
            .order_by(order.currency)
        )
        return [
            OrderTotals(
                currency, int(count), Decimal(revenue), Decimal(outstanding), int(overdue), last
            )
            for currency, count, revenue, outstanding, overdue, last in await self.session.execute(
                statement
            )
        ]

    async def pipeline_totals(self, customer_ids: Collection[str]) -> list[PipelineTotals]:
        opportunity = SalesOpportunity
        statement = (
            select(opportunity.currency, func.count(), func.sum(opportunity.weighted_amount))
            .where(
                opportunity.customer_id.in_(sorted(customer_ids)),
                opportunity.stage.in_([stage.value for stage in OPEN_STAGES]),
            )
            .group_by(opportunity.currency)
            .order_by(opportunity.currency)
        )
        return [
            PipelineTotals(currency, int(count), Decimal(weighted))
            for currency, count, weighted in await self.session.execute(statement)
        ]
