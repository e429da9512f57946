"""A team: people with one manager (who sees the team's records)."""

from crm_shared.contracts.identity import TeamSnapshot
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import Base, Versioned


class Team(Versioned, Base):
    __tablename__ = "teams"
    __audit__ = "team"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A user id; checked by the service (no foreign key: users name their team too).
    manager_id: Mapped[str | None] = mapped_column(String(36))

    def snapshot(self) -> TeamSnapshot:
        return TeamSnapshot.model_validate(self, from_attributes=True)
