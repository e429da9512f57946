"""Consent decisions are written through their customer (``Customer.consent_records``);
this repository holds the statements that work on them in bulk."""

from crm_shared.db import RepositoryBase
from sqlalchemy import update

from crm_customer.consent.models import ConsentRecord


class ConsentRecordRepository(RepositoryBase[ConsentRecord]):
    model = ConsentRecord

    async def scrub_free_text(self, customer_id: str) -> None:
        """Erasure: keep channel, decision and time (proof of an opt-out), not the free text.
        Loaded records are kept in step (``synchronize_session``)."""
        await self.session.execute(
            update(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .values(source=None, method=None)
        )
