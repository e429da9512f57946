"""Request and response bodies of the corrective actions API."""

from datetime import date, datetime
from typing import Annotated

from crm_shared.contracts.support import CorrectiveActionState
from crm_shared.fields import Omittable, refuse_null, text
from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm_support.corrective_actions.service import ActionChange

UserId = Annotated[str, text(100)]
Note = Annotated[str, text(10000)]


class ActionFilter(BaseModel):
    department: Annotated[str, text(100)] | None = None
    state: CorrectiveActionState | None = None


class ActionPatch(BaseModel):
    """Only the fields sent change; null clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    owner: UserId | None = Field(None, description="Who in the department works it")
    due_date: date | None = None
    plan: Note | None = Field(None, description="What the department will do")
    state: Omittable[CorrectiveActionState] = Field(
        None,
        description="open → in_progress → done (with `resolution`); open or in_progress → "
        "dismissed (with `dismissal_reason`). Any other move is 409 with the allowed ones.",
    )
    resolution: Note | None = Field(None, description="What was done: required for done")
    dismissal_reason: Note | None = Field(None, description="Why not: required for dismissed")

    _not_null = field_validator("state")(refuse_null)

    def change(self) -> ActionChange:
        fields = self.model_dump(exclude_unset=True)
        if "state" in fields:
            fields["state"] = CorrectiveActionState(fields["state"]).value
        return ActionChange(fields)


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    department: str
    item: str = Field(description="The survey item found weak")
    questionnaire_version: int
    state: CorrectiveActionState
    mean_score: float = Field(description="The item's mean score in the window, at detection")
    answers: int = Field(description="How many answers that mean is of")
    window_start: datetime
    window_end: datetime
    weak_mean: float = Field(description="The threshold in force at detection")
    owner: str | None
    due_date: date | None
    plan: str | None
    resolution: str | None
    dismissal_reason: str | None
    opened_by: str = Field(description='Who ran the review ("schedule": the weekly one)')
    opened_at: datetime
    closed_at: datetime | None
    version: int
    updated_at: datetime


class ReviewOut(BaseModel):
    opened: list[ActionOut] = Field(description="The actions this review opened")


def action_out(action: object) -> ActionOut:
    return ActionOut.model_validate(action)
