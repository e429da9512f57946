"""Corrective actions: a survey item that scored weak in a department, for that department
to work to done, with the evidence it was opened on."""

from datetime import date, datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_support.db import Base, Versioned


class CorrectiveAction(Versioned, Base):
    __tablename__ = "corrective_actions"
    # The review looks for the open action of a (department, item, questionnaire version).
    __table_args__ = (
        Index("ix_corrective_actions_finding", "department", "item", "questionnaire_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    department: Mapped[str] = mapped_column(String(100), index=True)
    item: Mapped[str] = mapped_column(String(60))
    # Answers of another questionnaire version are judged apart (a revised one must not
    # corrupt the trend).
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    # The evidence, as found: the mean of `answers` scores answered in the window.
    mean_score: Mapped[float] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    weak_mean: Mapped[float] = mapped_column(Float)  # the threshold then in force
    owner: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    plan: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)  # required for done
    dismissal_reason: Mapped[str | None] = mapped_column(Text)  # required for dismissed
    opened_by: Mapped[str] = mapped_column(String(100))  # the caller, or "schedule"
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
