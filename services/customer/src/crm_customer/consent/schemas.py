from datetime import datetime

from crm_shared.contracts.customer import ConsentChannel
from crm_shared.fields import Instant
from pydantic import BaseModel, Field

from crm_customer.customers.schemas import Strict, Text100, Text200


class ConsentDecisionIn(Strict):
    granted: bool = Field(description="true: opt-in; false: opt-out / withdrawal")
    source: Text200 = Field(description='where the decision came from, e.g. "web signup form"')
    method: Text100 | None = Field(None, description='how, e.g. "double opt-in", "signed form"')
    decided_at: Instant | None = Field(
        None, description="when the person decided (default: now); a past decision may be "
        "recorded late, and the most recent decision wins",
    )  # fmt: skip


class ConsentDecisionOut(BaseModel):
    id: int
    channel: ConsentChannel
    granted: bool
    decided_at: datetime
    recorded_at: datetime
    source: str | None
    method: str | None
    recorded_by: str | None
    copied_from: str | None = Field(description="set when a merge brought it from a duplicate")


class ChannelConsent(BaseModel):
    granted: bool | None = Field(description="null: never asked, which counts as no consent")
    decided_at: datetime | None
    source: str | None
    method: str | None


class ConsentOut(BaseModel):
    customer_id: str
    version: int
    current: dict[ConsentChannel, ChannelConsent]
    history: list[ConsentDecisionOut] = Field(description="every decision, oldest first")
