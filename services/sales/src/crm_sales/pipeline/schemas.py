"""Answers of the pipeline, the forecast and pipeline analysis (money as decimal strings in
the answer's one currency)."""

from datetime import date
from decimal import Decimal
from enum import StrEnum

from crm_shared.contracts.sales import OpportunityStage
from pydantic import BaseModel, Field


class StageRow(BaseModel):
    stage: OpportunityStage
    count: int
    amount: Decimal
    weighted_amount: Decimal


class PipelineOut(BaseModel):
    currency: str = Field(description="every amount is in this currency (no conversion)")
    weighted_total: Decimal = Field(description="Σ amount x probability of the open ones")
    total_amount: Decimal
    count: int
    stages: list[StageRow] = Field(description="every open stage in order, empty ones too")


class GroupBy(StrEnum):
    OWNER = "owner"
    TEAM = "team"
    NONE = "none"


class ForecastRow(BaseModel):
    key: str | None = Field(
        description="the owner or team (null: unowned, or an owner on no team; with "
        "group_by=none: null, the whole)"
    )
    weighted: Decimal = Field(description="Σ amount x probability, open, closing in the period")
    best_case: Decimal = Field(description="Σ amount, open, closing in the period")
    committed: Decimal = Field(description="Σ amount, open at the committed stage or later")
    closed_won: Decimal = Field(description="Σ amount won in the period")
    open_count: int
    committed_count: int
    won_count: int


class ForecastOut(BaseModel):
    period: str
    starts: date
    ends: date = Field(description="the period's last day")
    currency: str
    group_by: GroupBy
    committed_from: OpportunityStage
    groups: list[ForecastRow]
    total: ForecastRow


class ConversionRow(BaseModel):
    from_stage: OpportunityStage
    to_stage: OpportunityStage
    reached: int = Field(description="opportunities that passed through from_stage")
    advanced: int = Field(description="of those, how many reached to_stage")
    rate: float | None


class StageDaysRow(BaseModel):
    stage: OpportunityStage
    average_days: float | None
    stays: int = Field(description="completed stays counted")


class CycleOut(BaseModel):
    closed: int
    average_days: float | None = Field(description="creation to close")


class OutcomeOut(BaseModel):
    won: int
    lost: int
    won_amount: Decimal
    lost_amount: Decimal
    win_rate: float | None = Field(description="won / (won + lost); null with none closed")


class LossReasonRow(BaseModel):
    reason: str
    count: int
    amount: Decimal


class CompetitorRow(OutcomeOut):
    competitor: str


class AnalysisOut(BaseModel):
    starts: date
    ends: date = Field(description="the window's last day")
    currency: str
    owner: str | None
    conversion: list[ConversionRow] = Field(description="opportunities created in the window")
    days_in_stage: list[StageDaysRow] = Field(description="opportunities created in the window")
    cycle: CycleOut = Field(description="opportunities closed in the window")
    outcomes: OutcomeOut = Field(description="opportunities closed in the window")
    loss_reasons: list[LossReasonRow] = Field(description="lost in the window, most frequent first")
    competitors: list[CompetitorRow] = Field(description="closed in the window, by competitor")
