"""The bulk scrubbing of the rows that hang off an erased customer."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_customer.consent.models import ConsentRecord
from crm_customer.contacts.models import Contact
from crm_customer.credit.models import CreditRating
from crm_customer.erasure.rules import ERASED_CONTACT_NAME
from crm_customer.lifecycle.models import LifecycleChange


class ErasureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def scrub_dependents(self, customer_id: str) -> None:
        # The "synchronize_session" default keeps loaded objects in step with these updates.
        await self.session.execute(
            update(Contact)
            .where(Contact.customer_id == customer_id)
            .values(
                name=ERASED_CONTACT_NAME,
                email=None,
                phone=None,
                job_title=None,
                department=None,
                notes=None,
                version=Contact.version + 1,
            )
        )
        # Consent keeps channel, decision and time (proof of an opt-out), not its free text.
        await self.session.execute(
            update(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .values(source=None, method=None)
        )
        await self.session.execute(
            update(LifecycleChange)
            .where(LifecycleChange.customer_id == customer_id)
            .values(reason=None)
        )
        await self.session.execute(
            update(CreditRating).where(CreditRating.customer_id == customer_id).values(reason=None)
        )
