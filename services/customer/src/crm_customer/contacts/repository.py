from collections.abc import Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import Select, select, update

from crm_customer.contacts.models import Contact
from crm_customer.db import count_rows
from crm_customer.erasure.rules import ERASED_CONTACT_NAME


class ContactRepository(RepositoryBase[Contact]):
    model = Contact

    async def of_customer(self, customer_id: str) -> list[Contact]:
        return await self.all(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.created_at, Contact.id)
        )

    async def page_of_customer(
        self, customer_id: str, after: Sequence[Any] | None, limit: int
    ) -> list[Contact]:
        """Contacts in (created_at, id) order, after the position ``after``."""
        return await self.keyset_page(
            self._of(customer_id), (Contact.created_at, Contact.id), after=after, limit=limit
        )

    async def count_of_customer(self, customer_id: str) -> int:
        return await count_rows(self.session, self._of(customer_id))

    def _of(self, customer_id: str) -> Select[Any]:
        return select(Contact).where(Contact.customer_id == customer_id)

    async def primaries(self, customer_id: str) -> list[Contact]:
        return await self.all(
            select(Contact).where(Contact.customer_id == customer_id, Contact.is_primary)
        )

    async def delete(self, contact: Contact) -> None:
        await self.session.delete(contact)

    async def scrub_of_customer(self, customer_id: str) -> None:
        """Erasure: every contact of the customer loses what identifies the person (a new
        version each). Loaded contacts are kept in step (``synchronize_session``)."""
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
