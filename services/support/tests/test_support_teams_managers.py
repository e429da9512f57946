"""Identity's teams say who manages each team; a ticket owner's manager is their team's."""

from crm_shared.testing import (
    deliver,
    deliveries_of,
    team_changed,
    team_created,
    user_changed,
    user_created,
)
from crm_support.db import team_managers
from crm_support.handlers import handlers
from crm_support.tickets.repository import TicketRepository
from fastapi import FastAPI
from sqlalchemy import select


async def _manager_of(app: FastAPI, owner: str) -> str | None:
    async with app.state.runtime.session_factory() as session:
        return await TicketRepository(session).manager_of(owner)


async def _rows(app: FastAPI) -> dict[str, tuple[str | None, int]]:
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(team_managers))
        return {row.team_id: (row.manager_id, row.team_version) for row in rows}


async def test_an_owner_escalates_to_their_teams_manager(support_app: FastAPI) -> None:
    unit = support_app.state.runtime.unit_of_work
    await deliver(
        unit,
        handlers,
        deliveries_of(
            team_created("t1", manager_id="boss"),
            user_created("agent", team_id="t1"),
            user_created("loner"),
        ),
    )
    assert await _manager_of(support_app, "agent") == "boss"
    assert await _manager_of(support_app, "loner") is None  # no team
    assert await _manager_of(support_app, "stranger") is None  # unknown here

    await deliver(unit, handlers, deliveries_of(team_changed("t1", 2, manager_id="new-boss")))
    assert await _manager_of(support_app, "agent") == "new-boss"
    await deliver(unit, handlers, deliveries_of(user_changed("agent", 2, team_id="t2")))
    assert await _manager_of(support_app, "agent") is None  # t2 not known yet


async def test_only_a_newer_team_version_applies(support_app: FastAPI) -> None:
    unit = support_app.state.runtime.unit_of_work
    # One run: the later version wins whatever the order within the run.
    await deliver(
        unit,
        handlers,
        deliveries_of(
            team_created("t1", manager_id="a"),
            team_changed("t1", 3, manager_id="c"),
            team_changed("t1", 2, manager_id="b"),
            team_created("t2"),
        ),
        one_run=True,
    )
    assert await _rows(support_app) == {"t1": ("c", 3), "t2": (None, 1)}
    # A late or replayed event changes nothing.
    await deliver(unit, handlers, deliveries_of(team_changed("t1", 2, manager_id="b")))
    await deliver(unit, handlers, deliveries_of(team_created("t1", manager_id="a")))
    assert await _rows(support_app) == {"t1": ("c", 3), "t2": (None, 1)}
    # A manager removed (None) is a change like any other.
    await deliver(unit, handlers, deliveries_of(team_changed("t1", 4, manager_id=None)))
    assert await _rows(support_app) == {"t1": (None, 4), "t2": (None, 1)}
