"""All SQL of the mail lists: write letters (a letter already listed is left as it is), read
a campaign's list, and what erasure and merge change."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from crm_shared.db import table_of
from crm_shared.db.statements import insert_new_rows
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.mail_lists.models import MailListEntry

ENTRIES: Table = table_of(MailListEntry)
# What erasure clears: everything that names or locates the person, and what they were told.
PERSONAL = ("name", "street", "postal_code", "city", "region", "country", "text")


class MailListRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """Returns the ids of the letters new to their list."""
        return {str(key) for key in await insert_new_rows(self.session, ENTRIES, rows)}

    async def of_campaign(self, campaign_id: str) -> list[MailListEntry]:
        """The campaign's letters in step and message order, but an erased customer's."""
        statement = (
            select(MailListEntry)
            .where(MailListEntry.campaign_id == campaign_id, MailListEntry.street.is_not(None))
            .order_by(MailListEntry.step, MailListEntry.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def scrub(self, customer_ids: Collection[str]) -> None:
        await self.session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.customer_id.in_(list(customer_ids)))
            .values(dict.fromkeys(PERSONAL))
        )

    async def reassign(self, alias_id: str, survivor_id: str) -> None:
        """A merged customer's letters become the survivor's (whose erasure then reaches
        them)."""
        await self.session.execute(
            update(ENTRIES).where(ENTRIES.c.customer_id == alias_id).values(customer_id=survivor_id)
        )
