"""The marketing section of the profile."""

from datetime import datetime

from pydantic import BaseModel, Field


class ConsentSummary(BaseModel):
    granted: list[str] = Field(description="Channels the customer may be contacted on now")
    withdrawn: list[str] = Field(description="Channels the customer refused or opted out of")


class MarketingOut(BaseModel):
    """What marketing did with the customer and how the customer answered: campaigns,
    messages, opens, clicks, bounces and the last touch are counted from the marketing
    service's message events on the customer's timeline; unsubscribes and consent from the
    customer master's consent changes. A merged customer's history is included, and an
    erasure keeps the counts."""

    campaigns_received: int = Field(
        0, description="Distinct campaigns that sent the customer at least one message"
    )
    messages_received: int = Field(0, description="Distinct messages sent to the customer")
    responses: int = Field(
        0,
        description="Distinct messages the customer responded to; for now a response is a "
        "click on a tracked link (forms and replies will count here too)",
    )
    opened: int = Field(0, description="Distinct messages opened (the e-mail's pixel loaded)")
    clicked: int = Field(0, description="Distinct messages with a tracked link followed")
    bounced: int = Field(0, description="Distinct messages the channel bounced")
    last_touch_at: datetime | None = Field(
        None, description="When the newest message was sent to the customer (null: never)"
    )
    unsubscribes: dict[str, int] = Field(
        default_factory=dict,
        description="Consent withdrawals per channel, counted over the customer's consent "
        "changes (a merged customer's included)",
    )
    last_unsubscribed_at: datetime | None = Field(None, description="The latest withdrawal")
    consent: ConsentSummary = Field(
        default_factory=lambda: ConsentSummary(granted=[], withdrawn=[])
    )
