"""People: create, change, list; authenticate one for the development password grant.

Every change is published (``crm.identity.user_created.v1`` / ``user_changed.v1``, keyed by
the user id) in the same unit of work; the events carry a :class:`UserSnapshot`, which has
no password material.
"""

import uuid
from typing import Any

from crm_shared.contracts.identity import Role, UserChanged, UserCreated
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_identity.db import FIRST_VERSION
from crm_identity.hashing import hash_secret, verify_secret
from crm_identity.teams.repository import TeamRepository
from crm_identity.users.models import User
from crm_identity.users.repository import UserRepository
from crm_identity.users.schemas import UserCreate, UserUpdate

USER_ORDER = (("created_at", instant), ("id", text))


async def list_users(
    uow: UnitOfWork, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[User]:
    users = UserRepository(uow.session)
    rows = await users.page(position_of(cursor, USER_ORDER), limit + 1)
    total = await users.count() if count else None
    return slice_of(rows, limit, lambda u: (u.created_at, u.id), USER_ORDER, total)


async def get_user(uow: UnitOfWork, user_id: str) -> User:
    user = await UserRepository(uow.session).get(user_id)
    if user is None:
        raise NotFoundError.of("user", user_id)
    return user


async def create_user(uow: UnitOfWork, body: UserCreate) -> User:
    password = body.password.get_secret_value() if body.password else None
    return await add_user(
        uow,
        email=body.email,
        name=body.name,
        role=body.role,
        team_id=body.team_id,
        active=body.active,
        password=password,
    )


async def add_user(
    uow: UnitOfWork,
    *,
    email: str,
    name: str,
    role: Role,
    team_id: str | None = None,
    active: bool = True,
    password: str | None = None,
) -> User:
    users = UserRepository(uow.session)
    email = email.lower()
    if await users.by_email(email) is not None:
        raise ConflictError(f"a user with e-mail {email} exists", code="duplicate-email")
    await _check_team(uow, team_id)
    now = uow.clock.now()
    user = User(
        id=str(uuid.uuid4()),
        email=email,
        name=name,
        role=str(role),
        team_id=team_id,
        active=active,
        password_hash=hash_secret(password) if password else None,
        version=FIRST_VERSION,
        created_at=now,
        updated_at=now,
    )
    users.add(user)
    uow.record(UserCreated(user_id=user.id, user_version=user.version, user=user.snapshot()))
    return user


async def update_user(
    uow: UnitOfWork, user_id: str, body: UserUpdate, expected: ExpectedVersion
) -> User:
    user = await get_user(uow, user_id)
    check_version(expected, user.version)
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    changed: list[str] = []
    if "email" in values:
        email = str(values.pop("email")).lower()
        if email != user.email:
            other = await UserRepository(uow.session).by_email(email)
            if other is not None:
                raise ConflictError(f"a user with e-mail {email} exists", code="duplicate-email")
            user.email = email
            changed.append("email")
    if "team_id" in values and values["team_id"] != user.team_id:
        await _check_team(uow, values["team_id"])
    password = values.pop("password", None)
    for field, value in values.items():
        value = str(value) if field == "role" else value
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if password is not None:
        user.password_hash = hash_secret(password.get_secret_value())
        changed.append("password")
    if changed:
        user.touch(uow.clock.now())
        published = sorted(field for field in changed if field != "password")
        if published:
            uow.record(
                UserChanged(
                    user_id=user.id,
                    user_version=user.version,
                    changed_fields=published,
                    user=user.snapshot(),
                )
            )
    return user


async def authenticate(uow: UnitOfWork, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (no hint which was wrong;
    the same hashing work either way)."""
    user = await UserRepository(uow.session).by_email(email.strip().lower())
    stored = user.password_hash if user is not None else None
    if not verify_secret(password, stored) or user is None or not user.active:
        return None
    return user


async def any_user_exists(uow: UnitOfWork) -> bool:
    return await UserRepository(uow.session).any_exists()


async def _check_team(uow: UnitOfWork, team_id: str | None) -> None:
    if team_id is not None and await TeamRepository(uow.session).get(team_id) is None:
        raise UnknownReferenceError(f"team {team_id} does not exist", location="body.team_id")
