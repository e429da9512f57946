from datetime import datetime
from typing import Annotated

from crm_shared.fields import Omittable, RecordId, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

Name = Annotated[str, text(200)]


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    manager_id: RecordId | None = Field(None, description="a user id")


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Omittable[Name] = None
    manager_id: RecordId | None = Field(None, description="null: no manager")

    _not_null = field_validator("name")(refuse_null)


class TeamOut(BaseModel):
    id: str
    name: str
    manager_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
