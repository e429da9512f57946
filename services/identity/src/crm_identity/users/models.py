"""A person who uses the CRM: a role, maybe a team, maybe a password (development grant)."""

from crm_shared.contracts.identity import UserSnapshot
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import Base, Versioned


class User(Versioned, Base):
    __tablename__ = "users"
    __audit__ = "user"
    __audit_secret__ = ("password_hash",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Stored lower-cased: one person, one e-mail address, whatever its spelling.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # crm_identity.hashing (scrypt); never leaves this table.
    password_hash: Mapped[str | None] = mapped_column(String(200))

    def snapshot(self) -> UserSnapshot:
        return UserSnapshot.model_validate(self, from_attributes=True)
