"""The aggregates of the pipeline, the forecast and pipeline analysis: each one GROUP BY
statement over the opportunities (and their stage history) within the caller's reach."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage
from crm_shared.db.statements import AnySelect
from crm_shared.periods import Period
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm_sales.db import team_members
from crm_sales.opportunities.models import Opportunity, StageChange
from crm_sales.opportunities.repository import within
from crm_sales.pipeline.analysis import FUNNEL, LossReason, Span
from crm_sales.pipeline.rules import ZERO, ForecastLine, StageTotal

OPEN = [stage.value for stage in OPEN_STAGES]
WON = OpportunityStage.WON.value
LOST = OpportunityStage.LOST.value


@dataclass(frozen=True)
class Slice:
    """Which opportunities an aggregate counts: one currency, an owner or a team, within
    the caller's reach."""

    scope: RecordScope
    currency: str
    owner: str | None = None
    team: str | None = None

    def where(self, statement: AnySelect) -> AnySelect:
        statement = within(statement, self.scope).where(Opportunity.currency == self.currency)
        if self.owner is not None:
            statement = statement.where(Opportunity.owner == self.owner)
        if self.team is not None:
            members = select(team_members.c.user_id).where(team_members.c.team_id == self.team)
            statement = statement.where(Opportunity.owner.in_(members))
        return statement


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def _sum_if(condition: ColumnElement[bool], value: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value))), 0)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.count(case((condition, literal(1))))


class PipelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_stage(self, part: Slice) -> dict[str, StageTotal]:
        statement = part.where(
            select(
                Opportunity.stage,
                func.count(),
                func.sum(Opportunity.amount),
                func.sum(Opportunity.weighted_amount),
            ).where(Opportunity.stage.in_(OPEN))
        ).group_by(Opportunity.stage)
        rows = await self.session.execute(statement)
        return {
            stage: StageTotal(OpportunityStage(stage), count, _money(amount), _money(weighted))
            for stage, count, amount, weighted in rows
        }

    async def forecast(
        self,
        part: Slice,
        period: Period,
        committed: Sequence[OpportunityStage],
        group_by: str,
    ) -> list[ForecastLine]:
        """One row per group (``owner``, ``team`` or ``none``) with every category."""
        expected = Opportunity.expected_close_date
        in_period = and_(
            Opportunity.stage.in_(OPEN), expected >= period.first, expected < period.after
        )
        is_committed = and_(in_period, Opportunity.stage.in_([s.value for s in committed]))
        won = and_(
            Opportunity.stage == WON,
            Opportunity.closed_at >= period.start,
            Opportunity.closed_at < period.end,
        )
        key: ColumnElement[Any] | InstrumentedAttribute[Any]
        if group_by == "owner":
            key = Opportunity.owner
        elif group_by == "team":
            key = team_members.c.team_id
        else:
            key = literal("all")
        columns = select(
            key.label("key"),
            _sum_if(in_period, Opportunity.weighted_amount),
            _sum_if(in_period, Opportunity.amount),
            _sum_if(is_committed, Opportunity.amount),
            _sum_if(won, Opportunity.amount),
            _count_if(in_period),
            _count_if(is_committed),
            _count_if(won),
        )
        if group_by == "team":
            columns = columns.select_from(
                Opportunity.__table__.outerjoin(
                    team_members, team_members.c.user_id == Opportunity.owner
                )
            )
        statement = part.where(columns.where(in_period | won)).group_by(key)
        lines = []
        for row in await self.session.execute(statement):
            group, weighted, best, committed_amount, closed_won, open_, committed_n, won_n = row
            lines.append(
                ForecastLine(
                    key=None if group_by == "none" else group,
                    weighted=_money(weighted),
                    best_case=_money(best),
                    committed=_money(committed_amount),
                    closed_won=_money(closed_won),
                    open_count=open_,
                    committed_count=committed_n,
                    won_count=won_n,
                )
            )
        return lines

    # -- analysis -------------------------------------------------------------------------------

    async def spans(self, part: Slice, created_from: datetime, created_to: datetime) -> list[Span]:
        """How many opportunities created in the window opened at each funnel rank and got to
        each furthest rank (from the history; lost is no rank)."""
        rank = case(
            *((StageChange.to_stage == stage.value, index) for index, stage in enumerate(FUNNEL))
        )
        per_opportunity = (
            part.where(
                select(
                    StageChange.opportunity_id,
                    func.min(rank).label("first"),
                    func.max(rank).label("furthest"),
                )
                .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
                .where(
                    StageChange.to_stage != LOST,
                    Opportunity.created_at >= created_from,
                    Opportunity.created_at < created_to,
                )
            )
            .group_by(StageChange.opportunity_id)
            .subquery()
        )
        statement = select(
            per_opportunity.c.first, per_opportunity.c.furthest, func.count()
        ).group_by(per_opportunity.c.first, per_opportunity.c.furthest)
        return [
            Span(first, furthest, n) for first, furthest, n in await self.session.execute(statement)
        ]

    async def stays(
        self, part: Slice, created_from: datetime, created_to: datetime
    ) -> dict[str, tuple[float, int]]:
        """Per open stage: the seconds spent in it over the completed stays, and how many."""
        statement = part.where(
            select(
                StageChange.from_stage,
                func.sum(StageChange.seconds_in_from_stage),
                func.count(),
            )
            .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
            .where(
                StageChange.from_stage.in_(OPEN),
                Opportunity.created_at >= created_from,
                Opportunity.created_at < created_to,
            )
        ).group_by(StageChange.from_stage)
        rows = await self.session.execute(statement)
        return {stage: (float(seconds or 0.0), n) for stage, seconds, n in rows}

    def _closed_in(
        self, part: Slice, columns: AnySelect, start: datetime, end: datetime
    ) -> AnySelect:
        return part.where(
            columns.where(
                Opportunity.stage.in_([WON, LOST]),
                Opportunity.closed_at >= start,
                Opportunity.closed_at < end,
            )
        )

    async def outcomes(
        self, part: Slice, start: datetime, end: datetime
    ) -> dict[str, tuple[int, Decimal]]:
        """Won and lost (closed in the window): count and amount."""
        columns = select(Opportunity.stage, func.count(), func.sum(Opportunity.amount))
        statement = self._closed_in(part, columns, start, end).group_by(Opportunity.stage)
        rows = await self.session.execute(statement)
        return {stage: (n, _money(amount)) for stage, n, amount in rows}

    async def cycle(self, part: Slice, start: datetime, end: datetime) -> tuple[float, int]:
        """The seconds of every stay of the opportunities closed in the window (creation to
        close), and how many they are."""
        columns = select(
            func.sum(StageChange.seconds_in_from_stage),
            func.count(func.distinct(Opportunity.id)),
        ).join(StageChange, StageChange.opportunity_id == Opportunity.id)
        row = (await self.session.execute(self._closed_in(part, columns, start, end))).one()
        return float(row[0] or 0.0), int(row[1])

    async def loss_reasons(
        self, part: Slice, start: datetime, end: datetime, limit: int
    ) -> list[LossReason]:
        reason = func.coalesce(Opportunity.loss_reason, "")
        count = func.count()
        amount = func.sum(Opportunity.amount)
        columns = select(reason, count, amount).where(Opportunity.stage == LOST)
        statement = (
            self._closed_in(part, columns, start, end)
            .group_by(reason)
            .order_by(count.desc(), amount.desc(), reason)
            .limit(limit)
        )
        rows = await self.session.execute(statement)
        return [LossReason(text, n, _money(total)) for text, n, total in rows]

    async def competitors(
        self, part: Slice, start: datetime, end: datetime
    ) -> list[tuple[str, str, int, Decimal]]:
        columns = select(
            Opportunity.competitor, Opportunity.stage, func.count(), func.sum(Opportunity.amount)
        ).where(Opportunity.competitor.is_not(None))
        statement = self._closed_in(part, columns, start, end).group_by(
            Opportunity.competitor, Opportunity.stage
        )
        rows = await self.session.execute(statement)
        return [(name, stage, n, _money(total)) for name, stage, n, total in rows]
