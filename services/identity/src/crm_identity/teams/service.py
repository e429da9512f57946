"""Teams and their managers; every change published (``crm.identity.team_created.v1`` /
``team_changed.v1``, keyed by the team id) in the same unit of work."""

import uuid
from typing import Any

from crm_shared.contracts.identity import TeamChanged, TeamCreated
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_identity.db import FIRST_VERSION
from crm_identity.teams.models import Team
from crm_identity.teams.repository import TeamRepository
from crm_identity.teams.schemas import TeamCreate, TeamUpdate
from crm_identity.users.repository import UserRepository

TEAM_ORDER = (("created_at", instant), ("id", text))


async def list_teams(
    uow: UnitOfWork, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[Team]:
    teams = TeamRepository(uow.session)
    rows = await teams.page(position_of(cursor, TEAM_ORDER), limit + 1)
    total = await teams.count() if count else None
    return slice_of(rows, limit, lambda t: (t.created_at, t.id), TEAM_ORDER, total)


async def get_team(uow: UnitOfWork, team_id: str) -> Team:
    team = await TeamRepository(uow.session).get(team_id)
    if team is None:
        raise NotFoundError.of("team", team_id)
    return team


async def create_team(uow: UnitOfWork, body: TeamCreate) -> Team:
    teams = TeamRepository(uow.session)
    await _check_name_free(teams, body.name)
    await _check_manager(uow, body.manager_id)
    now = uow.clock.now()
    team = Team(
        id=str(uuid.uuid4()),
        name=body.name,
        manager_id=body.manager_id,
        version=FIRST_VERSION,
        created_at=now,
        updated_at=now,
    )
    teams.add(team)
    uow.record(TeamCreated(team_id=team.id, team_version=team.version, team=team.snapshot()))
    return team


async def update_team(
    uow: UnitOfWork, team_id: str, body: TeamUpdate, expected: ExpectedVersion
) -> Team:
    team = await get_team(uow, team_id)
    check_version(expected, team.version)
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "name" in values and values["name"] != team.name:
        await _check_name_free(TeamRepository(uow.session), values["name"])
    if "manager_id" in values and values["manager_id"] != team.manager_id:
        await _check_manager(uow, values["manager_id"])
    changed = []
    for field, value in values.items():
        if getattr(team, field) != value:
            setattr(team, field, value)
            changed.append(field)
    if changed:
        team.touch(uow.clock.now())
        uow.record(
            TeamChanged(
                team_id=team.id,
                team_version=team.version,
                changed_fields=sorted(changed),
                team=team.snapshot(),
            )
        )
    return team


async def _check_name_free(teams: TeamRepository, name: str) -> None:
    if await teams.by_name(name) is not None:
        raise ConflictError(f"a team named {name!r} exists", code="duplicate-team")


async def _check_manager(uow: UnitOfWork, manager_id: str | None) -> None:
    if manager_id is None:
        return
    manager = await UserRepository(uow.session).get(manager_id)
    if manager is None or not manager.active:
        raise UnknownReferenceError(
            f"user {manager_id} does not exist or is not active", location="body.manager_id"
        )


async def teams_managed_by(uow: UnitOfWork, user_id: str) -> list[str]:
    """What a person's token says they manage (the ``manages`` claim)."""
    return await TeamRepository(uow.session).managed_by(user_id)
