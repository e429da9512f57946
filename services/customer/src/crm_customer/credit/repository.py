from collections.abc import Collection, Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import Select, select, update

from crm_customer.credit.models import CreditRating, Receivable
from crm_customer.credit.rules import ReceivableFact
from crm_customer.db import count_rows


class ReceivableRepository(RepositoryBase[Receivable]):
    model = Receivable

    async def of_customer(self, customer_id: str) -> list[Receivable]:
        return await self.all(
            select(Receivable)
            .where(Receivable.customer_id == customer_id)
            .order_by(Receivable.issued_on, Receivable.reference)
        )

    async def facts_of_customers(
        self, customer_ids: Collection[str]
    ) -> dict[str, list[ReceivableFact]]:
        """The credit facts of these customers' receivables, in one query: every receivable
        but the void ones (of cancelled orders). Pending changes are flushed first."""
        if not customer_ids:
            return {}
        statement = select(
            Receivable.customer_id,
            Receivable.amount,
            Receivable.paid_amount,
            Receivable.issued_on,
            Receivable.due_on,
            Receivable.paid_on,
        ).where(
            Receivable.customer_id.in_(sorted(customer_ids)),
            Receivable.cancelled_at.is_(None),
        )
        facts: dict[str, list[ReceivableFact]] = {}
        for row in await self.session.execute(statement):
            facts.setdefault(row.customer_id, []).append(
                ReceivableFact(row.amount, row.paid_amount, row.issued_on, row.due_on, row.paid_on)
            )
        return facts

    async def page_of_customer(
        self, customer_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[Receivable]:
        """Receivables in (issued_on, reference) order (a reference is unique per customer),
        after the position ``after``."""
        return await self.keyset_page(
            self._of(customer_id),
            (Receivable.issued_on, Receivable.reference),
            after=after,
            limit=limit,
        )

    async def count_of_customer(self, customer_id: str) -> int:
        return await count_rows(self.session, self._of(customer_id))

    def _of(self, customer_id: str) -> Select[Any]:
        return select(Receivable).where(Receivable.customer_id == customer_id)

    async def by_reference(self, customer_id: str, reference: str) -> Receivable | None:
        return await self.first(
            select(Receivable).where(
                Receivable.customer_id == customer_id, Receivable.reference == reference
            )
        )


class CreditRatingRepository(RepositoryBase[CreditRating]):
    model = CreditRating

    async def history_page(
        self, customer_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[CreditRating]:
        """Ratings in (rated_at, id) order, oldest first, after the position ``after``."""
        return await self.keyset_page(
            self._of(customer_id),
            (CreditRating.rated_at, CreditRating.id),
            after=after,
            limit=limit,
        )

    async def count_of_customer(self, customer_id: str) -> int:
        return await count_rows(self.session, self._of(customer_id))

    def _of(self, customer_id: str) -> Select[Any]:
        return select(CreditRating).where(CreditRating.customer_id == customer_id)

    async def scrub_reasons(self, customer_id: str) -> None:
        """Erasure: the audit trail keeps the grades, not the free-text reasons."""
        await self.session.execute(
            update(CreditRating).where(CreditRating.customer_id == customer_id).values(reason=None)
        )
