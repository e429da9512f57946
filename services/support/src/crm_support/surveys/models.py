"""Follow-up surveys: one questionnaire filled in per ticket (by the agent on the call or
by the customer through the signed link), one row per item answered."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # One survey per ticket: a second answer (the link used twice) is refused.
    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    answered_by: Mapped[str] = mapped_column(String(100))  # "customer" or the agent's id
    department: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)  # personal: erasure scrubs it
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SurveyItemAnswer(Base):
    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    survey_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(60))
    score: Mapped[int] = mapped_column(Integer)  # perceived, 1-5
    expected: Mapped[int | None] = mapped_column(Integer)  # 1-5 where asked
