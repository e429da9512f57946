"""The service section's own tables, filed under the customer id each event named.

``support_tickets`` holds the last state the support service published of each ticket (its
snapshot's ``version`` guards against older events), so open and total counts come out
right whatever order the changes arrive in. Breaches, recoveries and surveys are facts,
each stored once under its natural key (a target breaches once per ticket), so a replayed
or late event adds nothing.

Like the sales section's, the rows hold no personal data (ids, kinds, states, scores,
amounts, times: the complaint's free text never travels): erasure leaves them, so a
tombstone's figures still add up. The profile reads them for the customer and every alias
merged into it, so a merge needs no rewrite.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.db import UTCDateTime
from sqlalchemy import JSON, Boolean, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_analytics.db import Base

Money = Numeric(18, 2)


class SupportTicket(Base):
    __tablename__ = "support_tickets"

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    major: Mapped[bool] = mapped_column(Boolean)
    # The complaint category (None on rows projected before it was kept).
    category: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_support_tickets_customer_id", "customer_id", "status"),)


class SupportBreach(Base):
    __tablename__ = "support_breaches"

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    breached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupportRecovery(Base):
    __tablename__ = "support_recoveries"

    recovery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    cost: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_support_recoveries_customer_id", "customer_id", "currency"),)


class SupportSurvey(Base):
    __tablename__ = "support_surveys"

    survey_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department: Mapped[str | None] = mapped_column(String(100))  # the survey's, for the CSI
    # The mean of the answers' scores (None without answers): the mean over surveys is one AVG.
    mean_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    # [{"item": str, "score": 1-5, "expected": 1-5 | None}], as answered.
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    __table_args__ = (Index("ix_support_surveys_customer_id", "customer_id", "answered_at"),)
