"""All queries on orders, their lines, payments and the document counters."""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import PaymentState
from crm_shared.db import RepositoryBase, table_of
from crm_shared.db.statements import KEYS_PER_QUERY
from crm_shared.views.customer_view import CustomerViewRepository
from crm_shared.views.team_members import TeamMembersRepository, owner_within
from sqlalchemy import ColumnElement, Select, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.db import count_rows, customer_view_table, team_members
from crm_sales.orders.models import DocumentCounter, Order, OrderLine, Payment

ROWS_PER_INSERT = 1_000  # rows of one multi-row INSERT
SETTLED = (PaymentState.PAID.value, PaymentState.WRITTEN_OFF.value)
UNSETTLED = (PaymentState.OPEN.value, PaymentState.PARTIAL.value)


@dataclass(frozen=True)
class OrderWhere:
    """The list's filters, with the day ``overdue`` is decided on."""

    today: date
    customer_id: str | None = None
    payment_state: PaymentState | None = None
    ordered_from: datetime | None = None
    ordered_before: datetime | None = None


class OrderRepository(RepositoryBase[Order]):
    model = Order

    async def reachable(
        self, order_id: str, scope: RecordScope, *, lock: bool = False
    ) -> Order | None:
        """The order if it exists within ``scope``; ``lock``: FOR UPDATE (PostgreSQL), so
        that two payments on one order queue instead of both passing the check."""
        statement = within(select(Order).where(Order.id == order_id), scope)
        if lock:
            statement = statement.with_for_update()
        return await self.first(statement)

    async def lines_of(self, order_ids: Collection[str]) -> dict[str, list[OrderLine]]:
        found: dict[str, list[OrderLine]] = {order_id: [] for order_id in order_ids}
        for part in chunks(sorted(found), KEYS_PER_QUERY):
            statement = (
                select(OrderLine)
                .where(OrderLine.order_id.in_(part))
                .order_by(OrderLine.order_id, OrderLine.position)
            )
            for line in await self.session.scalars(statement):
                found[line.order_id].append(line)
        return found

    async def payments_of(self, order_id: str) -> list[Payment]:
        statement = (
            select(Payment)
            .where(Payment.order_id == order_id)
            .order_by(Payment.paid_at, Payment.recorded_at)
        )
        return list(await self.session.scalars(statement))

    def add_lines(self, lines: Sequence[OrderLine]) -> None:
        self.session.add_all(lines)

    def add_payment(self, payment: Payment) -> None:
        self.session.add(payment)

    async def reserve_numbers(self, kind: str, count: int = 1) -> int:
        return await reserve_numbers(self.session, kind, count)

    async def team_of(self, user_id: str) -> str | None:
        return await TeamMembersRepository(self.session, team_members).team_of(user_id)

    async def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The customer as the sales view knows it, a merged alias followed to its survivor."""
        return await CustomerViewRepository(self.session, customer_view_table).resolve(customer_id)

    async def search(
        self,
        where: OrderWhere,
        after: Sequence[Any] | None,
        limit: int,
        scope: RecordScope,
    ) -> list[Order]:
        """Newest order first, keyset on (ordered_at, id)."""
        return await self.keyset_page(
            within(self._filtered(where), scope),
            (Order.ordered_at, Order.id),
            after=after,
            limit=limit,
            descending=True,
        )

    async def count(self, where: OrderWhere, scope: RecordScope) -> int:
        return await count_rows(self.session, within(self._filtered(where), scope))

    def _filtered(self, where: OrderWhere) -> Select[Any]:
        statement = select(Order)
        if where.customer_id is not None:
            statement = statement.where(Order.customer_id == where.customer_id)
        if where.ordered_from is not None:
            statement = statement.where(Order.ordered_at >= where.ordered_from)
        if where.ordered_before is not None:
            statement = statement.where(Order.ordered_at < where.ordered_before)
        if where.payment_state is not None:
            statement = statement.where(_in_state(where.payment_state, where.today))
        return statement

    # -- set-based, for the order history import and a merge ---------------------------------

    async def existing_external_ids(self, external_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(sorted(set(external_ids)), KEYS_PER_QUERY):
            statement = select(Order.external_id).where(Order.external_id.in_(part))
            found.update(value for value in await self.session.scalars(statement) if value)
        return found

    async def existing_import_keys(self, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(sorted(set(keys)), KEYS_PER_QUERY):
            statement = select(Order.import_key).where(Order.import_key.in_(part))
            found.update(value for value in await self.session.scalars(statement) if value)
        return found

    async def insert_rows(
        self, orders: Sequence[dict[str, Any]], lines: Sequence[dict[str, Any]]
    ) -> None:
        """New orders and their lines (column values) with multi-row INSERTs, bypassing the
        ORM: no objects to build, track or flush."""
        for table, rows in ((table_of(Order), orders), (table_of(OrderLine), lines)):
            for part in chunks(rows, ROWS_PER_INSERT):
                await self.session.execute(insert(table), list(part))

    async def move_customer(self, from_id: str, to_id: str) -> int:
        """Every order of ``from_id`` now belongs to ``to_id`` (one UPDATE); how many."""
        statement = (
            update(Order).where(Order.customer_id == from_id).values(customer_id=to_id)
        ).execution_options(synchronize_session=False)
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def ids_of_customer(self, customer_id: str) -> list[str]:
        statement = select(Order.id).where(Order.customer_id == customer_id)
        return list(await self.session.scalars(statement))

    async def scrub_free_text(self, customer_id: str) -> None:
        """Payment references and the reasons given, of the customer's orders: free text that
        may name the person (an erasure)."""
        ids = select(Order.id).where(Order.customer_id == customer_id).scalar_subquery()
        await self.session.execute(
            update(Payment)
            .where(Payment.order_id.in_(ids))
            .values(reference=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Order)
            .where(Order.customer_id == customer_id)
            .values(write_off_reason=None, cancel_reason=None)
            .execution_options(synchronize_session=False)
        )


def _in_state(state: PaymentState, today: date) -> ColumnElement[bool]:
    """The stored state and the due date that make an order ``state`` on ``today`` (the
    SQL twin of ``rules.current_state``); cancelled orders owe nothing and are never
    overdue."""
    placed = Order.status == "placed"
    if state is PaymentState.OVERDUE:
        return and_(placed, Order.payment_state.in_(UNSETTLED), Order.due_date < today)
    if state.value in UNSETTLED:
        return and_(Order.payment_state == state.value, or_(Order.due_date >= today, ~placed))
    return Order.payment_state == state.value


async def reserve_numbers(session: AsyncSession, kind: str, count: int = 1) -> int:
    """The first of ``count`` consecutive new numbers of ``kind`` (one UPDATE; the counter
    row stays locked until the commit, so two writers never get the same numbers)."""
    table = table_of(DocumentCounter)
    statement = (
        update(table)
        .where(table.c.kind == kind)
        .values(last_number=table.c.last_number + count)
        .returning(table.c.last_number)
    )
    last = (await session.execute(statement)).scalar_one()
    return int(last) - count + 1


def within(statement: Select[Any], scope: RecordScope) -> Select[Any]:
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Order.owner, team_members))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
