from collections.abc import Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import select

from crm_identity.db import count_rows
from crm_identity.teams.models import Team


class TeamRepository(RepositoryBase[Team]):
    model = Team

    async def by_name(self, name: str) -> Team | None:
        return await self.first(select(Team).where(Team.name == name))

    async def page(self, after: Sequence[Any] | None, limit: int) -> list[Team]:
        return await self.keyset_page(
            select(Team), (Team.created_at, Team.id), after=after, limit=limit
        )

    async def managed_by(self, user_id: str) -> list[str]:
        """The ids of the teams ``user_id`` manages."""
        statement = select(Team.id).where(Team.manager_id == user_id).order_by(Team.id)
        return list(await self.session.scalars(statement))

    async def count(self) -> int:
        return await count_rows(self.session, select(Team))
