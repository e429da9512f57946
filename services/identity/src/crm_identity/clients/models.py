"""A partner client: an application that calls the APIs on its own behalf (OAuth 2.0 client
credentials), with scopes, an owner, a rate limit, and a secret kept only as a hash."""

from datetime import datetime

from crm_shared.contracts.identity import ClientSnapshot
from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import Base, Versioned


class PartnerClient(Versioned, Base):
    __tablename__ = "partner_clients"
    __audit__ = "client"
    __audit_secret__ = ("secret_hash",)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the client_id
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[str] = mapped_column(String(36), index=True)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def snapshot(self) -> ClientSnapshot:
        """What the events carry: everything but the secret's hash."""
        return ClientSnapshot.model_validate(self, from_attributes=True)
