"""A lead: someone who may buy, before they are an opportunity (and maybe a customer); and
the fitted models of its learnt win probability."""

from datetime import datetime
from typing import Any

from crm_shared.db import UTCDateTime
from crm_shared.db.platform_tables import BigId
from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_sales.db import Base, Versioned


class Lead(Versioned, Base):
    __tablename__ = "leads"
    __audit__ = "lead"
    __audit_ignore__ = ("email_normalized", "phone_normalized")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Matching keys for de-duplication (the customer master's normalisation).
    email_normalized: Mapped[str | None] = mapped_column(String(320), index=True)
    phone_normalized: Mapped[str | None] = mapped_column(String(32), index=True)
    source: Mapped[str | None] = mapped_column(String(32))
    campaign_id: Mapped[str | None] = mapped_column(String(36))
    # The campaign's name as marketing told it with a response (marketing owns campaigns).
    campaign_name: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    owner: Mapped[str | None] = mapped_column(String(100), index=True)
    # Fit: what the rule score weighs.
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(100))
    company_size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    disqualified_reason: Mapped[str | None] = mapped_column(Text)
    # The customer the lead is (given, found at creation, or made by its conversion).
    customer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(String(36))
    # Engagement counters, kept in step by the activities and marketing responses.
    activities_done: Mapped[int] = mapped_column(Integer, default=0)
    campaign_responses: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, index=True)
    score_reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    win_probability: Mapped[float | None] = mapped_column(Float)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadScoringModel(Base):
    """One fit of the learnt win probability, kept as JSON (``crm_sales.leads.learning``):
    the newest row is the model in use; the older ones say how it evolved."""

    __tablename__ = "lead_scoring_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    n_samples: Mapped[int] = mapped_column(Integer)
    holdout_accuracy: Mapped[float] = mapped_column(Float)
    # features, means, scales, coefficients, intercept, n_samples, n_won, holdout_accuracy
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
