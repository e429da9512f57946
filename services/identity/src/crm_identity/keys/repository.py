from datetime import datetime

from crm_shared.db import RepositoryBase
from sqlalchemy import or_, select

from crm_identity.keys.models import SigningKey


class SigningKeyRepository(RepositoryBase[SigningKey]):
    model = SigningKey

    async def active(self) -> list[SigningKey]:
        """Keys not retired, newest first (the first one signs)."""
        return await self.all(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.activated_at.desc(), SigningKey.kid.desc())
        )

    async def published(self, retired_after: datetime) -> list[SigningKey]:
        """Keys still in the JWKS: not retired, or retired after ``retired_after``."""
        return await self.all(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > retired_after))
            .order_by(SigningKey.activated_at.desc(), SigningKey.kid.desc())
        )
