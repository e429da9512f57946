from crm_shared.db import RepositoryBase
from sqlalchemy import select

from crm_customer.contacts.models import Contact


class ContactRepository(RepositoryBase[Contact]):
    model = Contact

    async def of_customer(self, customer_id: str) -> list[Contact]:
        return await self.all(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.created_at, Contact.id)
        )

    async def move_all(self, from_customer: str, to_customer: str) -> None:
        """Hand every contact of one customer to another (a merge)."""
        for contact in await self.of_customer(from_customer):
            contact.customer_id = to_customer
            contact.is_primary = False  # the survivor's primary contact stays primary

    async def delete(self, contact: Contact) -> None:
        await self.session.delete(contact)

    async def unset_primary(self, customer_id: str, except_id: str) -> None:
        for contact in await self.of_customer(customer_id):
            if contact.id != except_id and contact.is_primary:
                contact.is_primary = False
