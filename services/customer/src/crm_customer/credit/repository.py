from crm_shared.db import RepositoryBase
from sqlalchemy import select, update

from crm_customer.credit.models import CreditRating, Receivable


class ReceivableRepository(RepositoryBase[Receivable]):
    model = Receivable

    async def of_customer(self, customer_id: str) -> list[Receivable]:
        return await self.all(
            select(Receivable)
            .where(Receivable.customer_id == customer_id)
            .order_by(Receivable.issued_on, Receivable.reference)
        )

    async def by_reference(self, customer_id: str, reference: str) -> Receivable | None:
        return await self.first(
            select(Receivable).where(
                Receivable.customer_id == customer_id, Receivable.reference == reference
            )
        )


class CreditRatingRepository(RepositoryBase[CreditRating]):
    model = CreditRating

    async def history(self, customer_id: str) -> list[CreditRating]:
        return await self.all(
            select(CreditRating)
            .where(CreditRating.customer_id == customer_id)
            .order_by(CreditRating.rated_at, CreditRating.id)
        )

    async def scrub_reasons(self, customer_id: str) -> None:
        """Erasure: the audit trail keeps the grades, not the free-text reasons."""
        await self.session.execute(
            update(CreditRating).where(CreditRating.customer_id == customer_id).values(reason=None)
        )
