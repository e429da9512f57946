"""Who manages each team: a service's own copy, built from identity's ``TeamCreated`` and
``TeamChanged`` (``crm.identity``), so that a service can find a record owner's manager
(their team's, through :mod:`crm_shared.views.team_members`) without asking identity.

A row applies an event only if its ``team_version`` is newer than the stored one, so replays,
duplicates and late events change nothing.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.bus.handlers import BatchHandler, Delivery
from crm_shared.contracts.identity import TeamChanged, TeamCreated
from crm_shared.db.model import NAMING_CONVENTION
from crm_shared.db.rowset import BulkRows, RowSet
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.registry import IntegrationEvent

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


class TeamManagersProjection:
    handles_batches = True

    def __init__(self, table: Table) -> None:
        self.table = table

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        store = BulkRows(uow.session, self.table, key="team_id")
        rows = RowSet(await store.load(d.event.team_id for d in deliveries))
        for delivery in deliveries:
            event: TeamCreated | TeamChanged = delivery.event
            row = rows.get(event.team_id)
            values = {"manager_id": event.team.manager_id, "team_version": event.team_version}
            if row is None:
                rows.insert(event.team_id, {"team_id": event.team_id, **values})
            elif event.team_version > row["team_version"]:
                rows.update(event.team_id, values)
        await store.write(rows)


def team_managers_handlers(table: Table) -> dict[type[IntegrationEvent], BatchHandler]:
    """The ``{event: handler}`` entries that keep ``table`` up to date."""
    projection = TeamManagersProjection(table)
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
