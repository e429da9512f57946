"""Builders of real ``crm.identity`` user events, with fixed defaults, so a test names only
what it is about: ``user_created("u1", team_id="t1")``, ``user_changed("u1", 2, team_id=None)``,
``team_created("t1", manager_id="m1")``."""

from typing import Any

from crm_shared.contracts.identity import (
    Role,
    TeamChanged,
    TeamCreated,
    TeamSnapshot,
    UserChanged,
    UserCreated,
    UserSnapshot,
)
from crm_shared.testing.customer_events import T0


def user_snapshot(user_id: str, version: int, **fields: Any) -> UserSnapshot:
    values: dict[str, Any] = {
        "id": user_id,
        "email": f"{user_id}@example.com",
        "name": f"User {user_id}",
        "role": Role.SALES,
        "team_id": None,
        "active": True,
        "version": version,
        "created_at": T0,
        "updated_at": T0,
    }
    return UserSnapshot.model_validate({**values, **fields})


def user_created(user_id: str, version: int = 1, **fields: Any) -> UserCreated:
    return UserCreated(
        user_id=user_id, user_version=version, user=user_snapshot(user_id, version, **fields)
    )


def user_changed(user_id: str, version: int, **fields: Any) -> UserChanged:
    return UserChanged(
        user_id=user_id,
        user_version=version,
        changed_fields=sorted(fields),
        user=user_snapshot(user_id, version, **fields),
    )


def team_snapshot(team_id: str, version: int, **fields: Any) -> TeamSnapshot:
    values: dict[str, Any] = {
        "id": team_id,
        "name": f"Team {team_id}",
        "manager_id": None,
        "version": version,
        "created_at": T0,
        "updated_at": T0,
    }
    return TeamSnapshot.model_validate({**values, **fields})


def team_created(team_id: str, version: int = 1, **fields: Any) -> TeamCreated:
    return TeamCreated(
        team_id=team_id, team_version=version, team=team_snapshot(team_id, version, **fields)
    )


def team_changed(team_id: str, version: int, **fields: Any) -> TeamChanged:
    return TeamChanged(
        team_id=team_id,
        team_version=version,
        changed_fields=sorted(fields),
        team=team_snapshot(team_id, version, **fields),
    )
