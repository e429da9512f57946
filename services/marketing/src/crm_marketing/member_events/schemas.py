"""Request and response bodies of member events (club events, lectures)."""

from datetime import datetime
from typing import Annotated

from crm_shared.fields import Instant, RecordId, text
from pydantic import BaseModel, Field

from crm_marketing.campaigns.schemas import MessageIn, Name, Strict
from crm_marketing.member_events.rules import EventChannel, MemberEventStatus

Place = Annotated[str, text(300)]


class MemberEventCreate(Strict):
    name: Name = Field(description="What the event is (`{{ campaign }}` in its messages)")
    starts_at: Instant
    place: Place
    channel: EventChannel = Field(description="How the invitees hear of it")
    segment_id: RecordId = Field(
        description="The analytics segment of the invitees: its members now, and those who "
        "join it before the event"
    )
    invite_at: Instant | None = Field(
        None, description="When the invitations go (left out: at once)"
    )
    reminder_lead_hours: int | None = Field(
        None,
        ge=1,
        le=24 * 60,
        description="The reminder goes this long before the event (left out: the service's "
        "setting, 48 by default); it must come after the invitations",
    )
    invitation: MessageIn
    reminder: MessageIn = Field(description="To those whose invitation was sent")


class MemberEventCancel(Strict):
    message: MessageIn | None = Field(
        None, description="To those invited (left out: the service's cancellation message)"
    )


class MemberEventOut(BaseModel):
    id: str
    name: str
    starts_at: datetime
    place: str
    channel: EventChannel
    segment_id: str
    status: MemberEventStatus
    invite_at: datetime | None
    reminder_lead_hours: int
    reminder_at: datetime
    invitation: MessageIn
    reminder: MessageIn
    cancellation: MessageIn | None = Field(description="Once cancelled")
    campaign_id: str = Field(
        description="The event's campaign: its results count the invitations (step 1), the "
        "reminder (2) and the cancellation (3)"
    )
    created_by: str | None
    created_at: datetime
    cancelled_at: datetime | None
    version: int
