"""Who is on which team: a service's own copy, built from identity's ``UserCreated`` and
``UserChanged`` (``crm.identity``), for the manager part of the record-level rule
(:mod:`crm_shared.auth.access`): a manager reaches the records owned by their team's members.

The token says which teams its bearer manages (``manages``); this view says which team each
owner is on. Both stay local: no request waits for the identity service. A user keeps their
row when deactivated, so their manager still reaches (and can hand over) what they owned.

A row applies an event only if its ``user_version`` is newer than the stored one, so replays,
duplicates and late events change nothing.
"""

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    SQLColumnExpression,
    String,
    Table,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.auth.access import RecordScope
from crm_shared.bus.handlers import BatchHandler
from crm_shared.contracts.identity import UserChanged, UserCreated
from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.db.statements import KEYS_PER_QUERY
from crm_shared.events.registry import IntegrationEvent
from crm_shared.views.newest_rows import NewestRowsProjection

TABLE_NAME = "team_members"


def define_team_members_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("user_id", String(100), primary_key=True),
        Column("team_id", String(36), nullable=True),
        Column("user_version", Integer, nullable=False),
        Index(f"ix_{TABLE_NAME}_team_id", "team_id"),
    )


def create_team_members_table(op: Any) -> None:
    """Create the table in a service's migration; the shape is frozen once released."""
    define_team_members_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_team_members_table(op: Any) -> None:
    define_team_members_table(MetaData(naming_convention=NAMING_CONVENTION)).drop(op.get_bind())


def _team_of_user(event: UserCreated | UserChanged) -> tuple[str, int, dict[str, Any]]:
    return event.user_id, event.user_version, {"team_id": event.user.team_id}


def team_members_handlers(table: Table) -> dict[type[IntegrationEvent], BatchHandler]:
    """The ``{event: handler}`` entries that keep ``table`` up to date."""
    projection = NewestRowsProjection(
        table,
        key="user_id",
        version="user_version",
        read=_team_of_user,
    )
    return {UserCreated: projection, UserChanged: projection}


class TeamMembersRepository:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self.session = session
        self.table = table

    async def team_of(self, user_id: str) -> str | None:
        statement = select(self.table.c.team_id).where(self.table.c.user_id == user_id)
        return await self.session.scalar(statement)

    async def teams_of(self, user_ids: Collection[str]) -> dict[str, str | None]:
        """The team of each of these users (None: no team, or unknown here), in one query
        per ``KEYS_PER_QUERY`` ids: what an import checks its owner column against."""
        teams: dict[str, str | None] = dict.fromkeys(user_ids)
        wanted = sorted(teams)
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            part = wanted[start : start + KEYS_PER_QUERY]
            statement = select(self.table.c.user_id, self.table.c.team_id).where(
                self.table.c.user_id.in_(part)
            )
            rows = await self.session.execute(statement)
            teams.update((row.user_id, row.team_id) for row in rows)
        return teams


def owner_within(
    scope: RecordScope, owner: SQLColumnExpression[Any], members: Table
) -> ColumnElement[bool]:
    """The WHERE clause of :meth:`RecordScope.reaches` for rows whose owner is ``owner``."""
    if scope.everything:
        return true()
    reached: list[ColumnElement[bool]] = []
    if scope.pool:
        reached.append(owner.is_(None))
    if scope.user_id is not None:
        reached.append(owner == scope.user_id)
    if scope.managed_teams:
        team_members = select(members.c.user_id).where(
            members.c.team_id.in_(sorted(scope.managed_teams))
        )
        reached.append(owner.in_(team_members))
    return or_(*reached) if reached else false()
