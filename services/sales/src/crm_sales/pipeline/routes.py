"""``/v1/pipeline``, ``/v1/forecast`` and ``/v1/pipeline/analysis``: read-only aggregates
over the opportunities within the caller's reach, in one currency."""

from typing import Annotated

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.auth.permissions import Permission
from crm_shared.fields import Currency
from fastapi import APIRouter, Query

from crm_sales.opportunities.schemas import Day
from crm_sales.pipeline import service
from crm_sales.pipeline.rules import ForecastLine
from crm_sales.pipeline.schemas import (
    AnalysisOut,
    CompetitorRow,
    ConversionRow,
    CycleOut,
    ForecastOut,
    ForecastRow,
    GroupBy,
    LossReasonRow,
    OutcomeOut,
    PipelineOut,
    StageDaysRow,
    StageRow,
)
from crm_sales.web import SettingsDep

router = APIRouter(tags=["pipeline"])

CurrencyQuery = Annotated[
    Currency | None,
    Query(description="ISO 4217; the default currency if left out (amounts are never converted)"),
]
OwnerQuery = Annotated[str | None, Query(max_length=100, description="one owner's only")]
# A month YYYY-MM or a quarter YYYY-Qn (the year from 1000).
PERIOD_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2]|[Qq][1-4])$"
TeamQuery = Annotated[str | None, Query(max_length=36, description="one team's owners' only")]


@router.get(
    "/v1/pipeline",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=PipelineOut,
    summary="The open pipeline by stage, weighted",
    description="Every open stage in pipeline order (empty ones as zero rows): count, amount "
    "and weighted amount (Σ amount x probability); opportunities in one currency.",
)
async def get_pipeline(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    currency: CurrencyQuery = None,
    owner: OwnerQuery = None,
    team: TeamQuery = None,
) -> PipelineOut:
    found = await service.pipeline(
        uow, settings, access.scope, currency=currency, owner=owner, team=team
    )
    stages = [
        StageRow(
            stage=row.stage,
            count=row.count,
            amount=row.amount,
            weighted_amount=row.weighted_amount,
        )
        for row in found.stages
    ]
    return PipelineOut(
        currency=found.currency,
        weighted_total=sum((row.weighted_amount for row in stages), service.rules.ZERO),
        total_amount=sum((row.amount for row in stages), service.rules.ZERO),
        count=sum(row.count for row in stages),
        stages=stages,
    )


def _forecast_row(line: ForecastLine) -> ForecastRow:
    return ForecastRow(
        key=line.key,
        weighted=line.weighted,
        best_case=line.best_case,
        committed=line.committed,
        closed_won=line.closed_won,
        open_count=line.open_count,
        committed_count=line.committed_count,
        won_count=line.won_count,
    )


@router.get(
    "/v1/forecast",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=ForecastOut,
    summary="The sales forecast of a month or a quarter, by owner or team",
    description="Per group: weighted (Σ amount x probability of the open opportunities "
    "expected to close in the period), best case (Σ amount of those), committed (those at "
    "the committed stage or later, negotiation by default), closed won (won in the period). "
    "An open opportunity without an expected close date is in no period. A period that is "
    "neither YYYY-MM nor YYYY-Qn is 422.",
)
async def get_forecast(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    period: Annotated[
        str,
        Query(pattern=PERIOD_PATTERN, description="a month (2026-12) or a quarter (2026-Q4)"),
    ],
    group_by: GroupBy = GroupBy.NONE,
    currency: CurrencyQuery = None,
    owner: OwnerQuery = None,
    team: TeamQuery = None,
) -> ForecastOut:
    found = await service.forecast(
        uow,
        settings,
        access.scope,
        period=period,
        group_by=group_by.value,
        currency=currency,
        owner=owner,
        team=team,
    )
    return ForecastOut(
        period=found.period.label,
        starts=found.period.first,
        ends=found.period.last,
        currency=found.currency,
        group_by=group_by,
        committed_from=found.committed_from,
        groups=[_forecast_row(line) for line in found.groups],
        total=_forecast_row(found.total),
    )


@router.get(
    "/v1/pipeline/analysis",
    dependencies=[requires(Permission.SALES_READ)],
    response_model=AnalysisOut,
    summary="Pipeline analysis: conversion per stage, days per stage, cycle time, win rate, "
    "loss reasons, competitors",
    description="The stage flow (conversion, days per stage) of the opportunities created "
    "in the window; the outcomes (cycle time, win rate, loss reasons, competitors) of those "
    "closed in it. The window's days are both included; by default the last "
    "CRM_SALES_ANALYSIS_DEFAULT_DAYS days.",
)
async def get_analysis(
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    access: AccessDep,
    starts: Annotated[Day | None, Query(alias="from", description="first day")] = None,
    ends: Annotated[Day | None, Query(alias="to", description="last day")] = None,
    owner: OwnerQuery = None,
    currency: CurrencyQuery = None,
) -> AnalysisOut:
    found = await service.pipeline_analysis(
        uow, settings, access.scope, starts=starts, ends=ends, owner=owner, currency=currency
    )
    outcome = found.outcome
    return AnalysisOut(
        starts=found.starts,
        ends=found.ends,
        currency=found.currency,
        owner=found.owner,
        conversion=[
            ConversionRow(
                from_stage=c.from_stage,
                to_stage=c.to_stage,
                reached=c.reached,
                advanced=c.advanced,
                rate=c.rate,
            )
            for c in found.conversion
        ],
        days_in_stage=[
            StageDaysRow(stage=d.stage, average_days=d.average_days, stays=d.stays)
            for d in found.days_in_stage
        ],
        cycle=CycleOut(closed=found.closed, average_days=found.cycle_days),
        outcomes=OutcomeOut(
            won=outcome.won,
            lost=outcome.lost,
            won_amount=outcome.won_amount,
            lost_amount=outcome.lost_amount,
            win_rate=outcome.win_rate,
        ),
        loss_reasons=[
            LossReasonRow(reason=r.reason, count=r.count, amount=r.amount)
            for r in found.loss_reasons
        ],
        competitors=[
            CompetitorRow(
                competitor=c.competitor,
                won=c.outcome.won,
                lost=c.outcome.lost,
                won_amount=c.outcome.won_amount,
                lost_amount=c.outcome.lost_amount,
                win_rate=c.outcome.win_rate,
            )
            for c in found.competitors
        ],
    )
