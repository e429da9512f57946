from collections.abc import Sequence
from typing import Any

from crm_shared.db import RepositoryBase
from sqlalchemy import select

from crm_identity.db import count_rows
from crm_identity.users.models import User


class UserRepository(RepositoryBase[User]):
    model = User

    async def by_email(self, email: str) -> User | None:
        return await self.first(select(User).where(User.email == email.lower()))

    async def any_exists(self) -> bool:
        return await self.first(select(User)) is not None

    async def page(self, after: Sequence[Any] | None, limit: int) -> list[User]:
        return await self.keyset_page(
            select(User), (User.created_at, User.id), after=after, limit=limit
        )

    async def count(self) -> int:
        return await count_rows(self.session, select(User))
