"""The set-based queries of the order history import: customers of the sales view by id
and by external id, the owners' teams, the orders already imported, and the bulk writes."""

from collections.abc import Collection, Sequence
from typing import Any

from crm_shared.db import table_of
from crm_shared.db.statements import KEYS_PER_QUERY, insert_new_rows
from crm_shared.views.customer_view import MAX_MERGE_HOPS
from crm_shared.views.team_members import TeamMembersRepository
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.db import customer_view_table, team_members
from crm_sales.orders.models import Order, OrderLine, Payment
from crm_sales.orders.repository import (
    ROWS_PER_INSERT,
    OrderRepository,
    chunks,
    reserve_numbers,
)

Row = dict[str, Any]
VIEW = customer_view_table
_CUSTOMER_COLUMNS = (VIEW.c.id, VIEW.c.status, VIEW.c.merged_into, VIEW.c.owner)


class OrderImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.orders = OrderRepository(session)

    async def customers_by_id(self, ids: Collection[str]) -> dict[str, Row]:
        """The view's rows of these customers, and of the survivors their merges point to
        (followed up to MAX_MERGE_HOPS): one query per hop and KEYS_PER_QUERY ids."""
        found: dict[str, Row] = {}
        wanted = set(ids)
        for _ in range(MAX_MERGE_HOPS + 1):
            wanted -= found.keys()
            if not wanted:
                break
            loaded = await self._customers(VIEW.c.id, wanted)
            found.update((row["id"], row) for row in loaded)
            wanted = {row["merged_into"] for row in loaded if row["merged_into"]}
        return found

    async def active_by_external_id(self, external_ids: Collection[str]) -> dict[str, Row]:
        rows = await self._customers(VIEW.c.external_id, external_ids, active_only=True)
        return {row["external_id"]: row for row in sorted(rows, key=lambda row: row["id"])}

    async def teams_of(self, owners: Collection[str]) -> dict[str, str | None]:
        return await TeamMembersRepository(self.session, team_members).teams_of(owners)

    async def imported_already(
        self, external_ids: Collection[str], natural_keys: Collection[str]
    ) -> tuple[set[str], set[str]]:
        return (
            await self.orders.existing_external_ids(external_ids),
            await self.orders.existing_import_keys(natural_keys),
        )

    async def reserve_order_numbers(self, count: int) -> int:
        return await reserve_numbers(self.session, "order", count)

    async def insert_orders(self, rows: Sequence[Row]) -> set[str]:
        """Insert the orders; one whose external id or natural key another writer stored
        meanwhile is left out (ON CONFLICT DO NOTHING). Returns the ids inserted."""
        return await insert_new_rows(
            self.session, table_of(Order), rows, rows_per_insert=ROWS_PER_INSERT
        )

    async def insert_children(self, lines: Sequence[Row], payments: Sequence[Row]) -> None:
        for table, rows in ((table_of(OrderLine), lines), (table_of(Payment), payments)):
            for part in chunks(rows, ROWS_PER_INSERT):
                await self.session.execute(insert(table), list(part))

    async def _customers(
        self, column: Any, keys: Collection[str], *, active_only: bool = False
    ) -> list[Row]:
        rows: list[Row] = []
        for part in chunks(sorted(set(keys)), KEYS_PER_QUERY):
            statement = select(*_CUSTOMER_COLUMNS, VIEW.c.external_id).where(column.in_(part))
            if active_only:
                statement = statement.where(VIEW.c.status == "active")
            rows.extend(dict(row) for row in (await self.session.execute(statement)).mappings())
        return rows
