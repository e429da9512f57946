"""All queries on service recoveries (and the ticket they belong to)."""

from sqlalchemy import select

from crm_support.recoveries.models import Recovery
from crm_support.tickets.repository import TicketRepository


class RecoveryRepository(TicketRepository):
    async def recoveries_of(self, ticket_id: str) -> list[Recovery]:
        statement = (
            select(Recovery)
            .where(Recovery.ticket_id == ticket_id)
            .order_by(Recovery.recorded_at, Recovery.id)
        )
        return list(await self.session.scalars(statement))

    async def add_recovery(self, recovery: Recovery) -> None:
        self.session.add(recovery)
        await self.session.flush()
