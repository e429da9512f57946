from datetime import datetime
from typing import Annotated

from crm_shared.contracts.identity import Role
from crm_shared.fields import EmailAddress, Omittable, RecordId, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Name = Annotated[str, text(200)]
# Only for the development password grant; at least 12 characters (NIST SP 800-63B: length).
Password = Annotated[SecretStr, Field(min_length=12, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(Strict):
    email: EmailAddress
    name: Name
    role: Role
    team_id: RecordId | None = None
    active: bool = True
    password: Password | None = Field(
        None, description="For the development password grant only; never returned"
    )


class UserUpdate(Strict):
    email: Omittable[EmailAddress] = None
    name: Omittable[Name] = None
    role: Omittable[Role] = None
    team_id: RecordId | None = Field(None, description="null: no team")
    active: Omittable[bool] = None
    password: Omittable[Password] = None

    _not_null = field_validator("email", "name", "role", "active", "password")(refuse_null)


class UserOut(BaseModel):
    """A user; the password (hash) is never part of any answer."""

    id: str
    email: str
    name: str
    role: Role
    team_id: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
