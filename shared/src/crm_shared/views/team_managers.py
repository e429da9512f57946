"""Who manages each team: a service's own copy, built from identity's ``TeamCreated`` and
``TeamChanged`` (``crm.identity``), so that a service can find a record owner's manager
(their team's, through :mod:`crm_shared.views.team_members`) without asking identity.

A row applies an event only if its ``team_version`` is newer than the stored one, so replays,
duplicates and late events change nothing.
"""

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.bus.handlers import BatchHandler
from crm_shared.contracts.identity import TeamChanged, TeamCreated
from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.events.registry import IntegrationEvent
from crm_shared.views.newest_rows import NewestRowsProjection

TABLE_NAME = "team_managers"


def define_team_managers_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("team_id", String(36), primary_key=True),
        Column("manager_id", String(100), nullable=True),
        Column("team_version", Integer, nullable=False),
    )


def create_team_managers_table(op: Any) -> None:
    """Create the table in a service's migration; the shape is frozen once released."""
    define_team_managers_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def drop_team_managers_table(op: Any) -> None:
    define_team_managers_table(MetaData(naming_convention=NAMING_CONVENTION)).drop(op.get_bind())


def _manager_of_team(event: TeamCreated | TeamChanged) -> tuple[str, int, dict[str, Any]]:
    return event.team_id, event.team_version, {"manager_id": event.team.manager_id}


def team_managers_handlers(table: Table) -> dict[type[IntegrationEvent], BatchHandler]:
    """The ``{event: handler}`` entries that keep ``table`` up to date."""
    projection = NewestRowsProjection(
        table,
        key="team_id",
        version="team_version",
        read=_manager_of_team,
    )
    return {TeamCreated: projection, TeamChanged: projection}


async def manager_of(
    session: AsyncSession, owner: str, members: Table, managers: Table
) -> str | None:
    """The manager of ``owner``'s team (None: no team, a team without a manager, or one not
    known here yet), in one query over the two views."""
    statement = (
        select(managers.c.manager_id)
        .join(members, members.c.team_id == managers.c.team_id)
        .where(members.c.user_id == owner)
    )
    return await session.scalar(statement)
