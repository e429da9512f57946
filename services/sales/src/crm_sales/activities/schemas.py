"""Request and response bodies of activities, and the filters of their list."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from crm_shared.contracts.sales import ActivityKind
from crm_shared.fields import Instant, Omittable, RecordId, TimeZone, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

Subject = Annotated[str, text(200)]
Outcome = Annotated[str, text(4000)]
Owner = Annotated[str, text(100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Only a task may stand alone: any other kind names a lead, an opportunity or a customer
# (stated in the schema too, so that a generated client knows it).
_LINKS = ("lead_id", "opportunity_id", "customer_id")


def _linked(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [
        {"properties": {"kind": {"const": ActivityKind.TASK.value}}},
        *[{"required": [link], "properties": {link: {"type": "string"}}} for link in _LINKS],
    ]


class ActivityCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_linked)

    kind: ActivityKind
    subject: Subject
    due_at: Instant | None = Field(None, description="when it is due (a reminder fires then)")
    lead_id: RecordId | None = None
    opportunity_id: RecordId | None = None
    customer_id: RecordId | None = None
    owner: Owner | None = Field(None, description="left out: the caller")


class ActivityUpdate(Strict):
    """A partial update: fields present are set (``null`` clears), absent ones are kept."""

    subject: Omittable[Subject] = None
    due_at: Instant | None = None
    owner: Owner | None = None
    lead_id: RecordId | None = None
    opportunity_id: RecordId | None = None
    customer_id: RecordId | None = None

    _not_null = field_validator("subject")(refuse_null)


class CompleteIn(Strict):
    outcome: Outcome | None = Field(None, description="what came of it")


class Due(StrEnum):
    OVERDUE = "overdue"  # due before now, not done
    TODAY = "today"  # due today (in the caller's zone)


class ActivityFilter(BaseModel):
    owner: str | None = Field(None, max_length=100)
    due: Due | None = Field(None, description="overdue, or today (in `tz`)")
    done: bool | None = None
    lead_id: str | None = Field(None, max_length=36)
    opportunity_id: str | None = Field(None, max_length=36)
    customer_id: str | None = Field(None, max_length=36)
    tz: TimeZone = Field("UTC", description="IANA time zone of `today`, e.g. Europe/Berlin")


class ActivityOut(BaseModel):
    id: str
    kind: ActivityKind
    subject: str
    owner: str | None
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    outcome: str | None
    lead_id: str | None
    opportunity_id: str | None
    customer_id: str | None
    created_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime
