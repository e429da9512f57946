"""The complaint statistics' SQL: one GROUP BY (or one plain read of the few columns the
durations need) per section, over the tickets received in the period that match the
filters; never a query per ticket. Portable between SQLite and PostgreSQL."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.contracts.support import TicketStatus
from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget


@dataclass(frozen=True)
class ReportFilter:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    kind: str | None  # None: every kind
    department: str | None


def _matching(filters: ReportFilter) -> ColumnElement[bool]:
    """The tickets the filters select, whenever they were received."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kind is not None:
        conditions.append(Ticket.kind == filters.kind)
    if filters.department is not None:
        conditions.append(Ticket.department == filters.department)
    return and_(true(), *conditions)


def _received(filters: ReportFilter) -> ColumnElement[bool]:
    """The tickets the report is about: received in the period, matching the filters."""
    return and_(
        Ticket.received_at >= filters.start, Ticket.received_at < filters.end, _matching(filters)
    )


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def totals(self, filters: ReportFilter) -> tuple[int, int, int]:
        """Tickets, major ones, and grievances that became complaints."""
        statement = select(
            func.count(), _flag(Ticket.major.is_(True)), _flag(Ticket.was_grievance.is_(True))
        ).where(_received(filters))
        row = (await self.session.execute(statement)).one()
        return int(row[0]), int(row[1]), int(row[2])

    async def counts_by(self, column: Any, filters: ReportFilter) -> list[tuple[str | None, int]]:
        """How many tickets per value of ``column`` (a Ticket column), by value."""
        statement: Select[Any] = (
            select(column, func.count()).where(_received(filters)).group_by(column)
        )
        rows = await self.session.execute(statement)
        return sorted(((row[0], int(row[1])) for row in rows), key=lambda r: (r[0] is None, r[0]))

    async def rework_by_owner(self, filters: ReportFilter) -> list[tuple[str, int, int]]:
        """Per owner: their tickets and those reopened at least once (rework)."""
        statement = (
            select(Ticket.owner, func.count(), _flag(Ticket.reopened > 0))
            .where(_received(filters))
            .group_by(Ticket.owner)
            .order_by(Ticket.owner)
        )
        return [(row[0], int(row[1]), int(row[2])) for row in await self.session.execute(statement)]

    async def times(
        self, filters: ReportFilter
    ) -> list[tuple[str, datetime, datetime | None, datetime | None]]:
        """Each ticket's category, receipt, first contact and resolution (the percentiles are
        computed from them: four narrow columns per ticket)."""
        statement = select(
            Ticket.category, Ticket.received_at, Ticket.first_contact_at, Ticket.resolved_at
        ).where(_received(filters))
        return [
            (category, received, contacted, resolved)
            for category, received, contacted, resolved in await self.session.execute(statement)
        ]

    async def first_contact_resolution(self, filters: ReportFilter) -> tuple[int, int]:
        """Resolved tickets, and those of them that never entered ``investigating``."""
        investigated = exists().where(
            TicketHistoryEntry.ticket_id == Ticket.id,
            TicketHistoryEntry.to_status == TicketStatus.INVESTIGATING.value,
        )
        statement = select(func.count(), _flag(~investigated)).where(
            _received(filters), Ticket.resolved_at.is_not(None)
        )
        row = (await self.session.execute(statement)).one()
        return int(row[0]), int(row[1])

    async def target_states(self, filters: ReportFilter) -> list[tuple[str, str, int]]:
        """Per target and state, how many of the period's tickets' targets are in it."""
        statement = (
            select(TicketTarget.target, TicketTarget.state, func.count())
            .join(Ticket, Ticket.id == TicketTarget.ticket_id)
            .where(_received(filters))
            .group_by(TicketTarget.target, TicketTarget.state)
        )
        return [(row[0], row[1], int(row[2])) for row in await self.session.execute(statement)]

    async def recovery_costs(self, filters: ReportFilter) -> list[tuple[str, str, int, Any]]:
        """Per currency and kind: the recoveries recorded in the period (on tickets matching
        the filters, whenever received), how many and their summed cost."""
        statement = (
            select(Recovery.currency, Recovery.kind, func.count(), func.sum(Recovery.cost))
            .join(Ticket, Ticket.id == Recovery.ticket_id)
            .where(
                Recovery.recorded_at >= filters.start,
                Recovery.recorded_at < filters.end,
                _matching(filters),
            )
            .group_by(Recovery.currency, Recovery.kind)
            .order_by(Recovery.currency, Recovery.kind)
        )
        return [(r[0], r[1], int(r[2]), r[3]) for r in await self.session.execute(statement)]

    async def survey_items(
        self, filters: ReportFilter
    ) -> list[tuple[str | None, str, int, int, float | None, int]]:
        """Per department (the survey's) and item, the answers of the surveys answered in the
        period (on tickets matching the kind; the department filter is the survey's):
        answers, summed score, summed C = score / expected, and the answers giving C."""
        satisfaction = case(
            (SurveyItemAnswer.expected > 0,
             cast(SurveyItemAnswer.score, Float) / SurveyItemAnswer.expected),
            else_=None,
        )  # fmt: skip
        conditions = [Survey.answered_at >= filters.start, Survey.answered_at < filters.end]
        if filters.kind is not None:
            conditions.append(Ticket.kind == filters.kind)
        if filters.department is not None:
            conditions.append(Survey.department == filters.department)
        statement = (
            select(
                Survey.department,
                SurveyItemAnswer.item,
                func.count(),
                func.sum(SurveyItemAnswer.score),
                func.sum(satisfaction),
                func.count(satisfaction),
            )
            .join(Survey, Survey.id == SurveyItemAnswer.survey_id)
            .join(Ticket, Ticket.id == Survey.ticket_id)
            .where(*conditions)
            .group_by(Survey.department, SurveyItemAnswer.item)
        )
        rows = [
            (
                r[0],
                r[1],
                int(r[2]),
                int(r[3] or 0),
                None if r[4] is None else float(r[4]),
                int(r[5]),
            )
            for r in await self.session.execute(statement)
        ]
        return sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1]))

    async def crisis_alerts(self, filters: ReportFilter) -> list[CrisisAlert]:
        """The crisis alerts raised in the period (about a cause or product: the ticket
        filters do not apply)."""
        statement = (
            select(CrisisAlert)
            .where(CrisisAlert.raised_at >= filters.start, CrisisAlert.raised_at < filters.end)
            .order_by(CrisisAlert.raised_at, CrisisAlert.id)
        )
        return list(await self.session.scalars(statement))
