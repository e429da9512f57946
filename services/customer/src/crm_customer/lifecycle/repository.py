from crm_shared.db import RepositoryBase
from sqlalchemy import select

from crm_customer.lifecycle.models import LifecycleChange


class LifecycleRepository(RepositoryBase[LifecycleChange]):
    model = LifecycleChange

    async def history(self, customer_id: str) -> list[LifecycleChange]:
        return await self.all(
            select(LifecycleChange)
            .where(LifecycleChange.customer_id == customer_id)
            .order_by(LifecycleChange.changed_at, LifecycleChange.id)
        )
