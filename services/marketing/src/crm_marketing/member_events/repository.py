"""All SQL of member events."""

from collections.abc import Sequence
from typing import Any

from crm_shared.db.repository import RepositoryBase
from sqlalchemy import select

from crm_marketing.db import count_rows
from crm_marketing.member_events.models import MemberEvent


class MemberEventRepository(RepositoryBase[MemberEvent]):
    model = MemberEvent

    async def page(self, after: Sequence[Any] | None, limit: int) -> list[MemberEvent]:
        return await self.keyset_page(
            select(MemberEvent), (MemberEvent.starts_at, MemberEvent.id), after=after, limit=limit
        )

    async def count(self) -> int:
        return await count_rows(self.session, select(MemberEvent))
