"""The knowledge base: a standard answer per inquiry category (and cause), curated by a
manager, and each use of one on a ticket with the agent's rating.

A use keeps no free text (nothing personal): the ticket, the answer, who, when, and the
rating."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base, Versioned


class StandardAnswer(Versioned, Base):
    __tablename__ = "standard_answers"
    __audit__ = "standard_answer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str | None] = mapped_column(String(60))  # none: for the whole category
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A retired answer is no longer suggested nor used; its past uses stay counted.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_standard_answers_category_cause", "category", "cause"),)


class AnswerUse(Base):
    """A standard answer used on a ticket: one per answer and ticket (using it again
    changes the rating)."""

    __tablename__ = "standard_answer_uses"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    answer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("standard_answers.id", ondelete="CASCADE"), primary_key=True
    )
    used_by: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_standard_answer_uses_answer_id", "answer_id"),)
