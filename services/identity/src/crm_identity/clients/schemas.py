from datetime import datetime
from typing import Annotated

from crm_shared.auth.permissions import Permission
from crm_shared.fields import Omittable, RecordId, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

Name = Annotated[str, text(200)]
Scopes = Annotated[
    list[Permission],
    Field(
        min_length=1,
        max_length=50,
        description='What the client may do: permission names (README, "Who may call what")',
    ),
]
RateLimit = Annotated[int, Field(ge=1, le=1_000_000, description="requests per minute")]


def _unique(scopes: list[Permission] | None) -> list[Permission] | None:
    return None if scopes is None else list(dict.fromkeys(scopes))


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    scopes: Scopes
    owner_id: RecordId = Field(description="the user responsible for the client")
    rate_limit_per_minute: RateLimit | None = Field(
        None, description="default: CRM_IDENTITY_CLIENT_RATE_LIMIT_DEFAULT"
    )

    _unique_scopes = field_validator("scopes")(_unique)


class ClientUpdate(BaseModel):
    """What an admin may change of a client (its secret: ``POST …/secret``). A change of
    scopes or rate limit applies from the client's next token."""

    model_config = ConfigDict(extra="forbid")

    name: Omittable[Name] = None
    scopes: Omittable[Scopes] = None
    owner_id: Omittable[RecordId] = None
    rate_limit_per_minute: Omittable[RateLimit] = None

    _not_null = field_validator("name", "scopes", "owner_id", "rate_limit_per_minute")(refuse_null)
    _unique_scopes = field_validator("scopes")(_unique)


class ClientOut(BaseModel):
    """A partner client; its secret is shown once (:class:`ClientWithSecret`), never again."""

    client_id: str
    name: str
    scopes: list[str]
    owner_id: str
    rate_limit_per_minute: int
    revoked_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ClientWithSecret(ClientOut):
    client_secret: str = Field(
        description="Shown in this answer only: store it now. Only a hash is kept."
    )
