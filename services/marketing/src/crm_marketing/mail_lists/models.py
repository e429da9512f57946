"""One letter of a direct-mail campaign: a line of the campaign's mail list, keyed by its
message, so a letter written twice is one line. Erasure clears the name, the address and the
text and keeps the line (the campaign's count stays)."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_marketing.db import Base


class MailListEntry(Base):
    __tablename__ = "mail_list_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the message id
    campaign_id: Mapped[str] = mapped_column(String(36))
    step: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_mail_list_entries_campaign", "campaign_id", "step", "id"),)
