from crm_shared.db import RepositoryBase
from sqlalchemy import select, update

from crm_customer.lifecycle.models import LifecycleChange


class LifecycleRepository(RepositoryBase[LifecycleChange]):
    model = LifecycleChange

    async def history(self, customer_id: str) -> list[LifecycleChange]:
        return await self.all(
            select(LifecycleChange)
            .where(LifecycleChange.customer_id == customer_id)
            .order_by(LifecycleChange.changed_at, LifecycleChange.id)
        )

    async def scrub_reasons(self, customer_id: str) -> None:
        """Erasure: the history keeps the stages and times, not the free-text reasons."""
        await self.session.execute(
            update(LifecycleChange)
            .where(LifecycleChange.customer_id == customer_id)
            .values(reason=None)
        )
