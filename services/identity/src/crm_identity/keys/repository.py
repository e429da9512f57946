from datetime import datetime

from crm_shared.db import RepositoryBase
from sqlalchemy import case, or_, select

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
        """Keys still in the JWKS: not retired, or retired after ``retired_after``; the one
        that signs first (a rotation can make and retire keys at the same instant)."""
        signing_first = case((SigningKey.retired_at.is_(None), 0), else_=1)
        return await self.all(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > retired_after))
            .order_by(signing_first, SigningKey.activated_at.desc(), SigningKey.kid.desc())
        )
