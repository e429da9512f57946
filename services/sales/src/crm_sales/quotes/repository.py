"""All queries on quotes and their lines."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.db import RepositoryBase
from crm_shared.db.statements import KEYS_PER_QUERY
from crm_shared.views.team_members import owner_within
from sqlalchemy import ColumnElement, Select, and_, or_, select, update

from crm_sales.db import count_rows, team_members
from crm_sales.orders.repository import chunks, reserve_numbers
from crm_sales.quotes.models import Quote, QuoteLine
from crm_sales.quotes.rules import OPEN_STATUSES, QuoteStatus

OPEN = tuple(status.value for status in OPEN_STATUSES)


@dataclass(frozen=True)
class QuoteWhere:
    today: date
    customer_id: str | None = None
    opportunity_id: str | None = None
    status: QuoteStatus | None = None


class QuoteRepository(RepositoryBase[Quote]):
    model = Quote

    async def reachable(
        self, quote_id: str, scope: RecordScope, *, lock: bool = False
    ) -> Quote | None:
        statement = within(select(Quote).where(Quote.id == quote_id), scope)
        if lock:
            statement = statement.with_for_update()
        return await self.first(statement)

    async def lines_of(self, quote_ids: Collection[str]) -> dict[str, list[QuoteLine]]:
        found: dict[str, list[QuoteLine]] = {quote_id: [] for quote_id in quote_ids}
        for part in chunks(sorted(found), KEYS_PER_QUERY):
            statement = (
                select(QuoteLine)
                .where(QuoteLine.quote_id.in_(part))
                .order_by(QuoteLine.quote_id, QuoteLine.position)
            )
            for line in await self.session.scalars(statement):
                found[line.quote_id].append(line)
        return found

    def add_lines(self, lines: Sequence[QuoteLine]) -> None:
        self.session.add_all(lines)

    async def reserve_number(self) -> int:
        return await reserve_numbers(self.session, "quote")

    async def search(
        self, where: QuoteWhere, after: Sequence[Any] | None, limit: int, scope: RecordScope
    ) -> list[Quote]:
        """Newest first, keyset on (created_at, id)."""
        return await self.keyset_page(
            within(self._filtered(where), scope),
            (Quote.created_at, Quote.id),
            after=after,
            limit=limit,
            descending=True,
        )

    async def count(self, where: QuoteWhere, scope: RecordScope) -> int:
        return await count_rows(self.session, within(self._filtered(where), scope))

    def _filtered(self, where: QuoteWhere) -> Select[Any]:
        statement = select(Quote)
        if where.customer_id is not None:
            statement = statement.where(Quote.customer_id == where.customer_id)
        if where.opportunity_id is not None:
            statement = statement.where(Quote.opportunity_id == where.opportunity_id)
        if where.status is not None:
            statement = statement.where(_in_status(where.status, where.today))
        return statement

    async def move_customer(self, from_id: str, to_id: str) -> None:
        await self.session.execute(
            update(Quote)
            .where(Quote.customer_id == from_id)
            .values(customer_id=to_id)
            .execution_options(synchronize_session=False)
        )

    async def ids_of_customer(self, customer_id: str) -> list[str]:
        statement = select(Quote.id).where(Quote.customer_id == customer_id)
        return list(await self.session.scalars(statement))

    async def scrub_free_text(self, customer_id: str) -> None:
        await self.session.execute(
            update(Quote)
            .where(Quote.customer_id == customer_id)
            .values(reject_reason=None)
            .execution_options(synchronize_session=False)
        )


def _in_status(status: QuoteStatus, today: date) -> ColumnElement[bool]:
    """The SQL twin of ``rules.current_status``."""
    if status is QuoteStatus.EXPIRED:
        computed = and_(Quote.status.in_(OPEN), Quote.valid_until < today)
        return or_(Quote.status == status.value, computed)
    if status.value in OPEN:
        return and_(
            Quote.status == status.value,
            or_(Quote.valid_until.is_(None), Quote.valid_until >= today),
        )
    return Quote.status == status.value


def within(statement: Select[Any], scope: RecordScope) -> Select[Any]:
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Quote.owner, team_members))
