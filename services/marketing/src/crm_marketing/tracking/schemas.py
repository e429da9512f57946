"""The inbound reply a mail provider posts (its inbound webhook's fields, trimmed), and the
answer."""

from pydantic import BaseModel, ConfigDict, Field

# An address as RFC 5321 bounds it, with room for a display name.
MAX_ADDRESS = 512
# A reply's whole text is read (its quote included); only its start is kept.
MAX_REPLY_TEXT = 100_000


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str = Field(
        min_length=3,
        max_length=MAX_ADDRESS,
        description="The address replied to: `reply+<token>@<CRM_MARKETING_REPLY_DOMAIN>`, "
        "bare or with a display name",
        examples=["reply+k5nt...q2@replies.example.com"],
    )
    sender: str = Field(
        alias="from",
        min_length=1,
        max_length=MAX_ADDRESS,
        description="Who replied (not stored: the message names the customer)",
    )
    text: str | None = Field(
        None,
        max_length=MAX_REPLY_TEXT,
        description="The reply's plain text; its first 4000 characters are kept (personal "
        "data: erasure clears them)",
    )


class ReplyOut(BaseModel):
    recorded: bool = Field(description="False: the message had a reply before (nothing new)")
    campaign_id: str
