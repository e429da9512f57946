"""The marketing section of the profile."""

from datetime import datetime

from pydantic import BaseModel, Field

CAMPAIGNS_PENDING = (
    "Counted from the marketing service's campaign events, which it does not publish yet "
    "(issue 11): 0 until then."
)


class ConsentSummary(BaseModel):
    granted: list[str] = Field(description="Channels the customer may be contacted on now")
    withdrawn: list[str] = Field(description="Channels the customer refused or opted out of")


class MarketingOut(BaseModel):
    """What marketing did with the customer and how the customer answered. Campaigns,
    responses and the last touch come from the marketing service's events, which are not
    published yet (issue 11): until then they are 0 and null. Unsubscribes and consent come
    from the customer master's consent changes."""

    campaigns_received: int = Field(0, description=CAMPAIGNS_PENDING)
    responses: int = Field(0, description=CAMPAIGNS_PENDING)
    last_touch_at: datetime | None = Field(
        None, description="The last campaign sent to the customer (null until issue 11)"
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
