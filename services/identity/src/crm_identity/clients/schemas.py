from datetime import datetime
from typing import Annotated

from crm_shared.auth.permissions import Permission
from crm_shared.fields import RecordId, text
from pydantic import BaseModel, ConfigDict, Field, field_validator


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, text(200)]
    scopes: list[Permission] = Field(
        min_length=1,
        max_length=50,
        description='What the client may do: permission names (README, "Who may call what")',
    )
    owner_id: RecordId = Field(description="the user responsible for the client")
    rate_limit_per_minute: int | None = Field(
        None, ge=1, le=1_000_000, description="default: CRM_IDENTITY_CLIENT_RATE_LIMIT_DEFAULT"
    )

    @field_validator("scopes")
    @classmethod
    def _unique(cls, scopes: list[Permission]) -> list[Permission]:
        return list(dict.fromkeys(scopes))


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
