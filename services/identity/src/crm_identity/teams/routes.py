"""/v1/teams: teams and their managers (admin only)."""

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_identity.teams import service
from crm_identity.teams.models import Team
from crm_identity.teams.schemas import TeamCreate, TeamOut, TeamUpdate
from crm_identity.web import ADMIN_ONLY

router = APIRouter(
    prefix="/v1/teams",
    tags=["teams"],
    route_class=IfMatchRoute,
    dependencies=ADMIN_ONLY,
)


def team_out(team: Team) -> TeamOut:
    return TeamOut.model_validate(team, from_attributes=True)


@router.post("", status_code=201, response_model=TeamOut, summary="Create a team")
async def create_team(
    body: TeamCreate,
    request: Request,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        team = await service.create_team(uow, body)
        return json_response(
            team_out(team), status_code=201, version=team.version, location=f"/v1/teams/{team.id}"
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get("", response_model=Page[TeamOut], summary="The teams, oldest first")
async def list_teams(
    uow: UnitOfWorkDep, limit: LimitDep, cursor: CursorDep = None, total: TotalDep = False
) -> Page[TeamOut]:
    return page_of(await service.list_teams(uow, cursor, limit, count=total), limit, team_out)


@router.get("/{team_id}", response_model=TeamOut, summary="One team")
async def get_team(team_id: str, uow: UnitOfWorkDep) -> JSONResponse:
    team = await service.get_team(uow, team_id)
    return json_response(team_out(team), version=team.version)


@router.patch("/{team_id}", response_model=TeamOut, summary="Change a team")
async def patch_team(
    team_id: str, body: TeamUpdate, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    team = await service.update_team(uow, team_id, body, expected)
    await uow.commit()
    return json_response(team_out(team), version=team.version)
