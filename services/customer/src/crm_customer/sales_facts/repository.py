"""All SQL of the sales facts: lead links, order receivables in bulk, lifecycle times."""

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from crm_shared.contracts.customer import LifecycleStage
from crm_shared.db import RepositoryBase, table_of
from crm_shared.db.rowset import BulkRows, Row, RowSet
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_customer.credit.models import ORDER_SOURCE, Receivable
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.sales_facts.models import LeadLink

KEYS_PER_QUERY = 5_000  # bound parameters of one IN (...)


class LeadLinkRepository(RepositoryBase[LeadLink]):
    model = LeadLink


class OrderReceivables:
    """The receivables of orders, keyed by order id, read and written in sets."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.table: Table = table_of(Receivable)
        self.rows = BulkRows(session, self.table, key="order_id")

    async def adopt(self, wanted: Iterable[tuple[str, str, str]]) -> None:
        """Invoices a credit controller recorded by hand before the order's events came
        (``(customer id, reference, order id)``: same customer, reference = the order
        number) become the order's: from now on the order's events keep them."""
        by_reference = {(customer, reference): order for customer, reference, order in wanted}
        if not by_reference:
            return
        customers = sorted({customer for customer, _ in by_reference})
        references = sorted({reference for _, reference in by_reference})
        found: list[Any] = []
        for part in _chunks(references):
            statement = select(
                self.table.c.id, self.table.c.customer_id, self.table.c.reference
            ).where(
                self.table.c.order_id.is_(None),
                self.table.c.reference.in_(part),
                self.table.c.customer_id.in_(customers),
            )
            found += (await self.session.execute(statement)).all()
        adopted = [
            {"_id": row.id, "order_id": by_reference[(row.customer_id, row.reference)]}
            for row in found
            if (row.customer_id, row.reference) in by_reference
        ]
        if adopted:
            adopt = (
                update(self.table)
                .where(self.table.c.id == bindparam("_id"))
                .values(order_id=bindparam("order_id"), source=ORDER_SOURCE)
            )
            await self.session.execute(adopt, adopted)

    async def holders(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """``{(customer id, reference): the order id of the receivable that holds it}`` for
        these pairs that are taken (by an order's receivable, or by hand: "")."""
        pairs = set(wanted)
        customers = sorted({customer for customer, _ in pairs})
        references = sorted({reference for _, reference in pairs})
        taken: dict[tuple[str, str], str] = {}
        table = self.table
        for part in _chunks(references):
            statement = select(table.c.customer_id, table.c.reference, table.c.order_id).where(
                table.c.reference.in_(part), table.c.customer_id.in_(customers)
            )
            for row in await self.session.execute(statement):
                if (row.customer_id, row.reference) in pairs:
                    taken[(row.customer_id, row.reference)] = row.order_id or ""
        return taken

    async def load(self, order_ids: Collection[str]) -> RowSet:
        """The receivables of these orders (locked until commit on PostgreSQL)."""
        loaded: dict[str, Row] = {}
        for part in _chunks(sorted(set(order_ids))):
            loaded.update(await self.rows.load(part))
        return RowSet(loaded)

    async def write(self, rows: RowSet) -> None:
        """One multi-row INSERT for new receivables, one executemany UPDATE for changed."""
        await self.rows.write(rows)


class LifecycleTimes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lost_since(self, customer_ids: Collection[str]) -> dict[str, datetime]:
        """When each of these customers last moved to ``lost``."""
        if not customer_ids:
            return {}
        statement = (
            select(LifecycleChange.customer_id, func.max(LifecycleChange.changed_at))
            .where(
                LifecycleChange.customer_id.in_(sorted(customer_ids)),
                LifecycleChange.to_stage == LifecycleStage.LOST.value,
            )
            .group_by(LifecycleChange.customer_id)
        )
        return {row[0]: row[1] for row in await self.session.execute(statement)}


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), KEYS_PER_QUERY):
        yield items[start : start + KEYS_PER_QUERY]
