"""Request and response bodies of /v1/quotes (lines as orders have them)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from crm_shared.fields import Currency, RecordId, text
from pydantic import BaseModel, ConfigDict, Field

from crm_sales.orders.schemas import LineIn, LineOut, Lines, Reason
from crm_sales.quotes.rules import QuoteStatus


class QuoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RecordId
    opportunity_id: RecordId | None = None
    currency: Currency | None = Field(None, description="default: the service's currency")
    valid_until: date | None = Field(
        None, description="the last day it can be accepted; default: today + the setting (30)"
    )
    lines: Lines
    status: Literal["draft", "sent"] = Field("sent", description="draft, or sent (issued)")
    owner: Annotated[str, text(100)] | None = Field(
        None, description="default: the caller, for a rep; nobody (the pool) for others"
    )


class QuoteRevise(BaseModel):
    """What changes in the revision; what is left out is copied from the revised quote."""

    model_config = ConfigDict(extra="forbid")

    lines: list[LineIn] | None = Field(None, min_length=1, max_length=500)
    valid_until: date | None = None
    currency: Currency | None = None


class QuoteReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class QuoteOut(BaseModel):
    id: str
    number: str = Field(description="the same for every revision, e.g. Q-000123")
    revision: int
    customer_id: str
    opportunity_id: str | None
    owner: str | None
    status: QuoteStatus = Field(description="on today's date (expired by the clock)")
    valid_until: date | None
    currency: str
    total: Decimal
    lines: list[LineOut]
    reject_reason: str | None
    order_id: str | None = Field(description="the order it became, once accepted")
    superseded_by: str | None = Field(description="the revision that replaced it")
    decided_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class QuoteFilter(BaseModel):
    customer_id: RecordId | None = None
    opportunity_id: RecordId | None = None
    status: QuoteStatus | None = Field(None, description="on today's date")
