"""What the timeline endpoints return."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    event_type: str = Field(description="CloudEvents type, e.g. crm.customer.updated.v1")
    occurred_at: datetime
    source_service: str = Field(description="The service that published the event")
    summary: str = Field(description="One human-readable line")
    subject_id: str = Field(
        description="The customer id the event named; differs from the profile's id when the "
        "event was about a customer since merged into this one"
    )
    data: dict[str, Any] = Field(description="The event data (personal data removed on erasure)")


class TimelineSlice(BaseModel):
    items: list[TimelineEntryOut]
    next_cursor: str | None = Field(
        description="Pass to GET /v1/profiles/{id}/timeline?cursor= for older entries"
    )


class TimelinePage(TimelineSlice):
    customer_id: str
    resolved_from: str | None = Field(
        None, description="The id asked for, when it was a merged customer's alias"
    )
    limit: int
