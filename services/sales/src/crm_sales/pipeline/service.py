"""Use cases of the pipeline, the forecast and pipeline analysis: read-only aggregates over
the opportunities within the caller's reach, in one currency (``currency``, by default
``CRM_SALES_DEFAULT_CURRENCY``): amounts in different currencies are never added up, and no
exchange rate is invented."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import OpportunityStage
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError
from crm_shared.periods import Period, parse_period

from crm_sales.pipeline import analysis, rules
from crm_sales.pipeline.repository import PipelineRepository, Slice
from crm_sales.settings import SalesSettings


def _slice(
    settings: SalesSettings,
    scope: RecordScope,
    currency: str | None,
    owner: str | None = None,
    team: str | None = None,
) -> Slice:
    return Slice(scope, (currency or settings.default_currency).upper(), owner, team)


@dataclass(frozen=True)
class Pipeline:
    currency: str
    stages: list[rules.StageTotal]


async def pipeline(
    uow: UnitOfWork,
    settings: SalesSettings,
    scope: RecordScope,
    *,
    currency: str | None,
    owner: str | None,
    team: str | None,
) -> Pipeline:
    part = _slice(settings, scope, currency, owner, team)
    rows = await PipelineRepository(uow.session).by_stage(part)
    return Pipeline(part.currency, rules.pipeline_table(rows))


@dataclass(frozen=True)
class Forecast:
    period: Period
    currency: str
    committed_from: OpportunityStage
    groups: list[rules.ForecastLine]
    total: rules.ForecastLine


def period_of(text: str) -> Period:
    try:
        return parse_period(text, rules.FORECAST_PERIODS)
    except ValueError as error:
        raise InvalidError(str(error), location="query.period", code="invalid-period") from error


async def forecast(
    uow: UnitOfWork,
    settings: SalesSettings,
    scope: RecordScope,
    *,
    period: str,
    group_by: str,
    currency: str | None,
    owner: str | None,
    team: str | None,
) -> Forecast:
    span = period_of(period)
    part = _slice(settings, scope, currency, owner, team)
    committed = rules.committed_stages(settings.forecast_committed_from)
    lines = await PipelineRepository(uow.session).forecast(part, span, committed, group_by)
    groups = rules.sorted_lines(lines)
    return Forecast(
        span, part.currency, settings.forecast_committed_from, groups, rules.forecast_total(groups)
    )


@dataclass(frozen=True)
class Analysis:
    starts: date
    ends: date
    currency: str
    owner: str | None
    conversion: list[analysis.Conversion]
    days_in_stage: list[analysis.StageDays]
    closed: int
    cycle_days: float | None
    outcome: analysis.Outcome
    loss_reasons: list[analysis.LossReason]
    competitors: list[analysis.CompetitorOutcome]


# The problem type of a window the rules refuse (a rule between from and to, and the clock).
INVALID_WINDOW = "invalid-window"


def window(
    settings: SalesSettings, today: date, starts: date | None, ends: date | None
) -> tuple[date, date]:
    """The days analysed, both included: by default the last ``analysis_default_days``."""
    last = ends or today
    first = starts or last - timedelta(days=settings.analysis_default_days - 1)
    if first > last:
        raise InvalidError("from is after to", location="query.from", code=INVALID_WINDOW)
    if (last - first).days + 1 > settings.analysis_max_days:
        raise InvalidError(
            f"the window is longer than {settings.analysis_max_days} days",
            location="query.from",
            code=INVALID_WINDOW,
        )
    return first, last


async def pipeline_analysis(
    uow: UnitOfWork,
    settings: SalesSettings,
    scope: RecordScope,
    *,
    starts: date | None,
    ends: date | None,
    owner: str | None,
    currency: str | None,
) -> Analysis:
    first, last = window(settings, uow.clock.now().date(), starts, ends)
    begin = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    part = _slice(settings, scope, currency, owner)
    repository = PipelineRepository(uow.session)
    spans = await repository.spans(part, begin, end)
    stays = await repository.stays(part, begin, end)
    cycle_seconds, closed = await repository.cycle(part, begin, end)
    outcomes = await repository.outcomes(part, begin, end)
    reasons = await repository.loss_reasons(part, begin, end, settings.analysis_top_loss_reasons)
    competitors = await repository.competitors(part, begin, end)
    won = outcomes.get(OpportunityStage.WON.value, (0, analysis.ZERO))
    lost = outcomes.get(OpportunityStage.LOST.value, (0, analysis.ZERO))
    return Analysis(
        starts=first,
        ends=last,
        currency=part.currency,
        owner=owner,
        conversion=analysis.conversion_rates(spans),
        days_in_stage=analysis.average_days(stays),
        closed=closed,
        cycle_days=analysis.cycle_days(cycle_seconds, closed),
        outcome=analysis.Outcome(won[0], lost[0], won[1], lost[1]),
        loss_reasons=analysis.ranked_reasons(reasons, settings.analysis_top_loss_reasons),
        competitors=analysis.by_competitor(competitors),
    )
