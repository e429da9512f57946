from datetime import datetime

from crm_shared.db import RepositoryBase
from sqlalchemy import case, or_, select, update

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

    async def sealed_otherwise(self, prefix: str) -> list[SigningKey]:
        """Keys whose private key does not start with ``prefix`` (the current secrets
        key's): in clear, or sealed with another key."""
        return await self.all(
            select(SigningKey).where(
                ~SigningKey.sealed_private_key.startswith(prefix, autoescape=True)
            )
        )

    async def replace_sealed(self, kid: str, old: str, new: str) -> None:
        """Reseal one key's private key, unless another instance did it first (a value is
        only ever replaced by itself, sealed again)."""
        await self.session.execute(
            update(SigningKey)
            .where(SigningKey.kid == kid, SigningKey.sealed_private_key == old)
            .values(sealed_private_key=new)
            .execution_options(synchronize_session="fetch")
        )
