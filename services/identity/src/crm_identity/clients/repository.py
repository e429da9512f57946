from collections.abc import Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import select

from crm_identity.clients.models import PartnerClient
from crm_identity.db import count_rows


class ClientRepository(RepositoryBase[PartnerClient]):
    model = PartnerClient

    async def page(self, after: Sequence[Any] | None, limit: int) -> list[PartnerClient]:
        return await self.keyset_page(
            select(PartnerClient),
            (PartnerClient.created_at, PartnerClient.id),
            after=after,
            limit=limit,
        )

    async def count(self) -> int:
        return await count_rows(self.session, select(PartnerClient))
