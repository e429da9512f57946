"""The set-based queries of the lead import: the external ids taken, the open leads' e-mail
and phone keys, the owners' teams, and the multi-row INSERT of a chunk's leads."""

from collections.abc import Collection, Sequence
from typing import Any

from crm_shared.db import table_of
from crm_shared.db.statements import KEYS_PER_QUERY, insert_new_rows
from crm_shared.views.team_members import TeamMembersRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.db import team_members
from crm_sales.leads.models import Lead
from crm_sales.leads.repository import OPEN

Row = dict[str, Any]
ROWS_PER_INSERT = 1_000  # rows of one multi-row INSERT


class LeadImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def taken_external_ids(self, external_ids: Collection[str]) -> set[str]:
        """Which of these external ids a lead (of any status, anyone's) holds."""
        return await self._found(Lead.external_id, external_ids)

    async def open_keys(
        self, emails: Collection[str], phones: Collection[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these normalised e-mails and phones an open lead (new, qualified) has:
        every lead, not only the caller's, as POST /v1/leads compares them."""
        return (
            await self._found(Lead.email_normalized, emails, open_only=True),
            await self._found(Lead.phone_normalized, phones, open_only=True),
        )

    async def teams_of(self, owners: Collection[str]) -> dict[str, str | None]:
        return await TeamMembersRepository(self.session, team_members).teams_of(owners)

    async def insert_leads(self, rows: Sequence[Row]) -> set[str]:
        """Insert the leads; one whose external id another writer stored meanwhile is left
        out (ON CONFLICT DO NOTHING). Returns the ids inserted."""
        table = table_of(Lead)
        return await insert_new_rows(self.session, table, rows, rows_per_insert=ROWS_PER_INSERT)

    async def _found(
        self, column: Any, keys: Collection[str], *, open_only: bool = False
    ) -> set[str]:
        found: set[str] = set()
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), KEYS_PER_QUERY):
            statement = select(column).where(column.in_(ordered[start : start + KEYS_PER_QUERY]))
            if open_only:
                statement = statement.where(Lead.status.in_(OPEN))
            found.update(value for value in await self.session.scalars(statement) if value)
        return found
