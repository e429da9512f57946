"""All SQL of win-back: each buyer's state."""

from crm_shared.db.repository import RepositoryBase
from sqlalchemy import delete

from crm_marketing.winback.models import WinbackState


class WinbackRepository(RepositoryBase[WinbackState]):
    model = WinbackState

    async def forget(self, customer_id: str) -> None:
        await self.session.execute(
            delete(WinbackState).where(WinbackState.customer_id == customer_id)
        )
