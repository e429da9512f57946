"""Events the identity service publishes on ``crm.identity``: the people and teams other
services need to know (owners, managers, who sees whose records).

Keyed by the user's or the team's id. Each carries the record's version after the change, so
a consumer can ignore an event older than what it applied. No password or secret material
ever travels: a snapshot says whether a user may log in (``active``), never how.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from crm_shared.events.registry import IntegrationEvent, integration_event


class Role(StrEnum):
    """What a person does in the CRM; decides what they may read and write."""

    ADMIN = "admin"
    SALES = "sales"
    MARKETING = "marketing"
    SUPPORT = "support"
    ANALYST = "analyst"


# The role a partner client's tokens carry (clients are not people: their scopes decide).
PARTNER_ROLE = "partner"


class UserSnapshot(BaseModel):
    """A user as other services may know them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    email: str
    name: str
    role: Role
    team_id: str | None = None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TeamSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    manager_id: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class UserEvent(IntegrationEvent):
    key_field: ClassVar[str] = "user_id"

    user_id: str
    user_version: int


class TeamEvent(IntegrationEvent):
    key_field: ClassVar[str] = "team_id"

    team_id: str
    team_version: int


@integration_event("crm.identity.user_created.v1")
class UserCreated(UserEvent):
    user: UserSnapshot


@integration_event("crm.identity.user_changed.v1")
class UserChanged(UserEvent):
    changed_fields: list[str]
    user: UserSnapshot


@integration_event("crm.identity.team_created.v1")
class TeamCreated(TeamEvent):
    team: TeamSnapshot


@integration_event("crm.identity.team_changed.v1")
class TeamChanged(TeamEvent):
    changed_fields: list[str]
    team: TeamSnapshot
