"""Events the identity service publishes on ``crm.identity``: the people and teams other
services need to know (owners, managers, who sees whose records), the partner clients that
call the APIs (their scopes, owner and rate limit), and partner webhook subscriptions it
gave up on.

Keyed by the user's, the team's, the partner client's or the webhook subscription's id. Each
carries the record's version after the change, so a consumer can ignore an event older than
what it applied. No password or secret material ever travels: a snapshot says whether a user
may log in (``active``) or a client is revoked, never how they authenticate; a new password
or client secret publishes nothing.
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


class ClientSnapshot(BaseModel):
    """A partner client as other services may know it: never its secret or the secret's
    hash."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str  # the client_id
    name: str
    scopes: list[str]
    owner_id: str
    rate_limit_per_minute: int
    revoked_at: datetime | None = None
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


class ClientEvent(IntegrationEvent):
    key_field: ClassVar[str] = "client_id"

    client_id: str
    client_version: int


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


@integration_event("crm.identity.client_created.v1")
class ClientCreated(ClientEvent):
    client: ClientSnapshot


@integration_event("crm.identity.client_changed.v1")
class ClientChanged(ClientEvent):
    """Its name, scopes, owner or rate limit changed (a new secret is not published)."""

    changed_fields: list[str]
    client: ClientSnapshot


@integration_event("crm.identity.client_revoked.v1")
class ClientRevoked(ClientEvent):
    """The client gets no new token from now on (tokens issued before live until they
    expire); ``client.revoked_at`` says since when."""

    client: ClientSnapshot


@integration_event("crm.identity.webhook_subscription_disabled.v1")
class WebhookSubscriptionDisabled(IntegrationEvent):
    """The identity service stopped delivering to a partner's webhook subscription: its
    endpoint failed too many times in a row, or one event could not be delivered within the
    retry window. Nothing is delivered until it is enabled again (its pending deliveries
    then resume). Carries ids only: never the URL's credentials or the secret."""

    key_field: ClassVar[str] = "subscription_id"

    subscription_id: str
    client_id: str
    reason: str  # "consecutive-failures" or "retries-exhausted"
    consecutive_failures: int
    subscription_version: int
    disabled_at: datetime
