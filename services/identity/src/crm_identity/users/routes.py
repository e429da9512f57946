"""/v1/users: the people who use the CRM (admin only)."""

from crm_shared.api.concurrency import ExpectedVersionDep, IfMatchRoute
from crm_shared.api.deps import CursorDep, IdempotencyKeyDep, LimitDep, TotalDep, UnitOfWorkDep
from crm_shared.api.idempotency import respond_idempotently
from crm_shared.api.pagination import Page, page_of
from crm_shared.api.responses import json_response
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from crm_identity.users import service
from crm_identity.users.models import User
from crm_identity.users.schemas import UserCreate, UserOut, UserUpdate
from crm_identity.web import ADMIN_ONLY

router = APIRouter(
    prefix="/v1/users",
    tags=["users"],
    route_class=IfMatchRoute,
    dependencies=ADMIN_ONLY,
)


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("", status_code=201, response_model=UserOut, summary="Create a user")
async def create_user(
    body: UserCreate,
    request: Request,
    uow: UnitOfWorkDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def action() -> JSONResponse:
        user = await service.create_user(uow, body)
        return json_response(
            user_out(user), status_code=201, version=user.version, location=f"/v1/users/{user.id}"
        )

    return await respond_idempotently(request, uow, idempotency_key, action)


@router.get("", response_model=Page[UserOut], summary="The users, oldest first")
async def list_users(
    uow: UnitOfWorkDep, limit: LimitDep, cursor: CursorDep = None, total: TotalDep = False
) -> Page[UserOut]:
    return page_of(await service.list_users(uow, cursor, limit, count=total), limit, user_out)


@router.get("/{user_id}", response_model=UserOut, summary="One user")
async def get_user(user_id: str, uow: UnitOfWorkDep) -> JSONResponse:
    user = await service.get_user(uow, user_id)
    return json_response(user_out(user), version=user.version)


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user")
async def patch_user(
    user_id: str, body: UserUpdate, uow: UnitOfWorkDep, expected: ExpectedVersionDep
) -> JSONResponse:
    user = await service.update_user(uow, user_id, body, expected)
    await uow.commit()
    return json_response(user_out(user), version=user.version)
