"""Request and response bodies of the opportunity resource."""

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from crm_shared.contracts.sales import OpportunityStage
from crm_shared.fields import Currency, NonNegativeAmount, Omittable, RecordId, refuse_null, text
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

Name = Annotated[str, text(200)]
Owner = Annotated[str, text(100)]
Competitor = Annotated[str, text(200)]
Reason = Annotated[str, text(2000)]
Probability = Annotated[float, Field(ge=0, le=1)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """A day as ISO 8601 text only: pydantic alone would also read 0 as 1970-01-01."""
    if isinstance(value, date):  # built in Python, not read from a request
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("day", "send a day such as 2026-12-31 (ISO 8601)")
    return value


# A calendar day (format date in the OpenAPI), as YYYY-MM-DD.
Day = Annotated[date, BeforeValidator(_iso_day)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpportunityCreate(Strict):
    customer_id: RecordId = Field(description="a customer the sales service knows")
    name: Name
    amount: NonNegativeAmount
    currency: Currency | None = Field(
        None, description="ISO 4217; the default currency if left out"
    )
    stage: OpportunityStage = Field(
        OpportunityStage.CONTACT, description="an open stage (close it with a PATCH)"
    )
    owner: Owner | None = Field(
        None,
        description="a user id; left out: the person creating it (a partner client's: "
        "unowned); null: the unowned pool",
    )
    expected_close_date: Day | None = None
    competitor: Competitor | None = Field(None, description="the competitor in the deal")


class OpportunityUpdate(Strict):
    """Only the fields sent change. A stage move resets a probability override to the new
    stage's default (an override sent in the same request applies after the move)."""

    name: Omittable[Name] = None
    amount: Omittable[NonNegativeAmount] = None
    currency: Omittable[Currency] = None
    owner: Owner | None = Field(None, description="null: back to the unowned pool")
    expected_close_date: Day | None = None
    competitor: Competitor | None = None
    stage: Omittable[OpportunityStage] = None
    stage_reason: Reason | None = Field(
        None, description="why the stage moves (required to reopen a won or lost opportunity)"
    )
    loss_reason: Reason | None = Field(
        None, description="required with stage lost; may be corrected while lost"
    )
    probability: Probability | None = Field(
        None,
        description="the rep's own estimate (0-1) with probability_reason; null: back to "
        "the stage's default",
    )
    probability_reason: Reason | None = None

    _not_null = field_validator("name", "amount", "currency", "stage")(refuse_null)


class OpportunityOut(BaseModel):
    id: str
    name: str
    customer_id: str | None
    lead_id: str | None
    owner: str | None
    stage: OpportunityStage
    probability: float
    probability_overridden: bool
    probability_reason: str | None
    amount: Decimal
    currency: str
    weighted_amount: Decimal = Field(description="amount x probability, to the cent")
    expected_close_date: date | None
    loss_reason: str | None
    competitor: str | None
    stage_entered_at: datetime
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class OpportunityState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OpportunitySort(StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    EXPECTED_CLOSE = "expected_close_date"
    EXPECTED_CLOSE_DESC = "-expected_close_date"
    AMOUNT = "amount"
    AMOUNT_DESC = "-amount"


class OpportunityFilter(BaseModel):
    stage: list[OpportunityStage] = Field(default_factory=list, description="repeat: any of")
    state: OpportunityState | None = Field(None, description="open or closed (won, lost)")
    owner: str | None = None
    customer_id: str | None = None
    currency: str | None = None
    close_from: Day | None = Field(None, description="expected close on or after this day")
    close_to: Day | None = Field(None, description="expected close on or before this day")
    sort: OpportunitySort = Field(
        OpportunitySort.CREATED_AT,
        description="a leading - sorts descending; no expected close date sorts last",
    )


class StageChangeOut(BaseModel):
    from_stage: OpportunityStage | None
    to_stage: OpportunityStage
    probability: float
    reason: str | None
    changed_by: str | None
    changed_at: datetime
    seconds_in_stage: float | None = Field(
        description="time spent in to_stage from this change to the next; the current stage "
        "of an open opportunity runs until now; null for the current won or lost"
    )
    current: bool


class StageTime(BaseModel):
    stage: OpportunityStage
    seconds: float
    days: float


class HistoryOut(BaseModel):
    opportunity_id: str
    stage: OpportunityStage
    changes: list[StageChangeOut]
    time_in_stage: list[StageTime] = Field(description="over every stay, in stage order")


class HandoverIn(Strict):
    from_owner: Owner = Field(description="the owner who leaves (or hands over)")
    to_owner: Owner = Field(description="who takes over every open opportunity of from_owner")


class HandoverOut(BaseModel):
    from_owner: str
    to_owner: str
    moved: int = Field(description="how many open opportunities changed owner")
