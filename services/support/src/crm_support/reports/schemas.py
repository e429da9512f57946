"""The complaint statistics as the API gives them (JSON), and the one schema of a query."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

KindFilter = Literal["complaint", "inquiry", "request", "all"]
DEFAULT_KIND: KindFilter = "complaint"


class PeriodOut(BaseModel):
    label: str = Field(description="The period asked for: 2026-W49 or 2026-12")
    start: datetime = Field(description="Its first instant (UTC), included")
    end: datetime = Field(description="The first instant after it (UTC), excluded")
    tz: str = Field(description="The time zone whose midnights bound it")


class Count(BaseModel):
    key: str | None = Field(description="The value counted (null: none recorded)")
    count: int


class OwnerRework(BaseModel):
    owner: str
    tickets: int
    reopened: int = Field(description="Tickets reopened at least once (rework)")
    rework_rate: float | None = Field(description="reopened / tickets")


class Durations(BaseModel):
    count: int = Field(description="Tickets with this time (first contact or resolution) set")
    median_seconds: float | None = Field(description="Nearest-rank median")
    p90_seconds: float | None = Field(description="Nearest-rank 90th percentile")


class TimeTo(BaseModel):
    overall: Durations
    by_category: dict[str, Durations]


class FirstContactResolution(BaseModel):
    resolved: int = Field(description="Tickets of the period resolved (so far)")
    without_investigation: int = Field(description="Resolved without entering investigating")
    rate: float | None


class TargetCounts(BaseModel):
    target: str
    met: int
    breached: int
    open: int = Field(description="Running, at risk or paused")
    cancelled: int


class CostByKind(BaseModel):
    currency: str
    kind: str
    count: int
    cost: Decimal


class CostTotal(BaseModel):
    currency: str
    count: int
    cost: Decimal = Field(description="Summed within the currency, never across currencies")


class Compensation(BaseModel):
    by_kind: list[CostByKind]
    totals: list[CostTotal]


class ItemOut(BaseModel):
    item: str
    answers: int
    mean_score: float | None = Field(description="Mean perceived score (1-5)")
    satisfaction_answers: int = Field(description="Answers that gave the expected score")
    mean_satisfaction: float | None = Field(description="Mean of C = score / expected")


class DepartmentSurvey(BaseModel):
    department: str | None
    items: list[ItemOut]
    strongest: str | None = Field(description="The item of highest mean score")
    weakest: str | None = Field(description="The item of lowest mean score")


class CrisisOut(BaseModel):
    id: str
    about: str
    count: int
    raised_at: datetime


class ComplaintReport(BaseModel):
    period: PeriodOut
    kind: KindFilter
    department: str | None
    tickets: int = Field(description="Tickets received in the period")
    major: int
    grievances_became_complaints: int
    by_category: list[Count]
    by_channel: list[Count]
    by_department: list[Count]
    by_owner: list[OwnerRework]
    time_to_first_contact: TimeTo
    time_to_resolution: TimeTo
    first_contact_resolution: FirstContactResolution
    targets: list[TargetCounts]
    compensation: Compensation
    surveys: list[DepartmentSurvey]
    crisis_alerts: list[CrisisOut]
