"""One message of a campaign to one customer at one step: enrolled at launch (or when the
customer joins a live audience), then suppressed with its reason, or claimed and sent once,
then tracked (delivered or bounced, opened, clicked, unsubscribed, responded by a click, its
form or a reply).

The unique (campaign, step, customer) key is what makes a campaign send to each member at
most once per step: a second enrolment is ignored, and a claimed message is never claimed
again (``status``: pending -> sending -> sent, or suppressed, or unknown when its sender died
after claiming it)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base


class CampaignMessage(Base):
    __tablename__ = "campaign_messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the message id
    campaign_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(128))
    step: Mapped[int] = mapped_column(Integer, default=1)
    variant: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    # Suppressed: why (no_consent, erased, frequency_cap, ...); sent: delivered or bounced.
    outcome: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(Text)  # the channel's answer
    address: Mapped[str | None] = mapped_column(Text)  # where it went (erasure clears it)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # quiet hours, a retry
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Responses: the first of any kind (a click on a link counts), a form's, a reply's.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the customer wrote (personal data: it never travels in an event; erasure clears it).
    form_comment: Mapped[str | None] = mapped_column(Text)
    reply_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("campaign_id", "step", "customer_id"),
        # The sender's claim: a campaign's pending messages that are due.
        Index("ix_campaign_messages_claim", "campaign_id", "status", "not_before"),
        # The frequency cap: what each customer was sent lately.
        Index("ix_campaign_messages_customer_sent", "customer_id", "sent_at"),
    )
