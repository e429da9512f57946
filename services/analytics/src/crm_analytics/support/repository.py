"""All SQL of the service section: the ticket rows, the breach, recovery and survey facts,
and their totals over a customer and its aliases (one query each, on the customer id
indexes)."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_shared.contracts.support import TicketKind, TicketStatus
from crm_shared.db import table_of
from crm_shared.db.rowset import BulkRows, Row
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import Table, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.support.models import (
    SupportBreach,
    SupportRecovery,
    SupportSurvey,
    SupportTicket,
)

# A ticket is open until it is resolved; a reopened one is open again.
SETTLED = tuple(
    status.value
    for status in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP_DONE, TicketStatus.CLOSED)
)


@dataclass(frozen=True)
class TicketTotals:
    open: int
    total: int
    complaints: int
    major_complaints: int
    last_ticket_at: datetime | None


@dataclass(frozen=True)
class SurveyTotals:
    surveys: int
    mean_score: Decimal | None  # of the surveys' mean scores


class SupportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def tickets(self) -> BulkRows:
        table: Table = table_of(SupportTicket)
        return BulkRows(self.session, table, key="ticket_id")

    async def add_breaches(self, rows: Sequence[Row]) -> None:
        await self._add_facts(table_of(SupportBreach), ("ticket_id", "target"), rows)

    async def add_recoveries(self, rows: Sequence[Row]) -> None:
        await self._add_facts(table_of(SupportRecovery), ("recovery_id",), rows)

    async def add_surveys(self, rows: Sequence[Row]) -> None:
        await self._add_facts(table_of(SupportSurvey), ("survey_id",), rows)

    async def _add_facts(self, table: Table, key: tuple[str, ...], rows: Sequence[Row]) -> None:
        """One multi-row insert; a fact already stored stays as it is."""
        if rows:
            statement = insert_ignoring_duplicates(self.session, table, key)
            await self.session.execute(statement, list(rows))

    async def ticket_totals(self, customer_ids: Collection[str]) -> TicketTotals:
        ticket = SupportTicket
        complaint = ticket.kind == TicketKind.COMPLAINT.value
        statement = select(
            func.count(),
            func.coalesce(func.sum(case((ticket.status.not_in(SETTLED), 1), else_=0)), 0),
            func.coalesce(func.sum(case((complaint, 1), else_=0)), 0),
            func.coalesce(func.sum(case((complaint & (ticket.major == true()), 1), else_=0)), 0),
            func.max(ticket.received_at),
        ).where(ticket.customer_id.in_(sorted(customer_ids)))
        total, open_, complaints, major, last = (await self.session.execute(statement)).one()
        return TicketTotals(int(open_), int(total), int(complaints), int(major), last)

    async def breach_count(self, customer_ids: Collection[str]) -> int:
        statement = select(func.count()).where(SupportBreach.customer_id.in_(sorted(customer_ids)))
        return int(await self.session.scalar(statement) or 0)

    async def recovery_costs(self, customer_ids: Collection[str]) -> dict[str, Decimal]:
        recovery = SupportRecovery
        statement = (
            select(recovery.currency, func.sum(recovery.cost))
            .where(recovery.customer_id.in_(sorted(customer_ids)))
            .group_by(recovery.currency)
            .order_by(recovery.currency)
        )
        return {currency: Decimal(cost) for currency, cost in await self.session.execute(statement)}

    async def survey_totals(self, customer_ids: Collection[str]) -> SurveyTotals:
        survey = SupportSurvey
        statement = select(func.count(), func.avg(survey.mean_score)).where(
            survey.customer_id.in_(sorted(customer_ids))
        )
        count, mean = (await self.session.execute(statement)).one()
        return SurveyTotals(int(count), Decimal(mean) if mean is not None else None)

    async def last_survey(self, customer_ids: Collection[str]) -> SupportSurvey | None:
        survey = SupportSurvey
        statement = (
            select(survey)
            .where(survey.customer_id.in_(sorted(customer_ids)))
            .order_by(survey.answered_at.desc(), survey.survey_id.desc())
            .limit(1)
        )
        return await self.session.scalar(statement)
