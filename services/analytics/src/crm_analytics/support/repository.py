"""All SQL of the service section: the ticket rows, the breach, recovery and survey facts,
and their totals over a customer and its aliases (three queries on the customer id indexes:
the tickets', breaches' and surveys' totals, the recovery costs, the last survey)."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_shared.contracts.support import TicketKind, TicketStatus
from crm_shared.db import table_of
from crm_shared.db.rowset import BulkRows, Row
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Table,
    bindparam,
    case,
    func,
    select,
    true,
)
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


def _of_customers(column: SQLColumnExpression[str]) -> ColumnElement[bool]:
    return column.in_(bindparam("customer_ids", expanding=True))


# The profile read's statements, built once: building one costs more than running it on a
# customer's few rows. ``customer_ids`` is the customer and its aliases.
_ticket = SupportTicket
_complaint = _ticket.kind == TicketKind.COMPLAINT.value
SERVICE_TOTALS = select(
    func.count(),
    func.coalesce(func.sum(case((_ticket.status.not_in(SETTLED), 1), else_=0)), 0),
    func.coalesce(func.sum(case((_complaint, 1), else_=0)), 0),
    func.coalesce(func.sum(case((_complaint & (_ticket.major == true()), 1), else_=0)), 0),
    func.max(_ticket.received_at),
    select(func.count()).where(_of_customers(SupportBreach.customer_id)).scalar_subquery(),
    select(func.count()).where(_of_customers(SupportSurvey.customer_id)).scalar_subquery(),
    select(func.avg(SupportSurvey.mean_score))
    .where(_of_customers(SupportSurvey.customer_id))
    .scalar_subquery(),
).where(_of_customers(_ticket.customer_id))
RECOVERY_COSTS = (
    select(SupportRecovery.currency, func.sum(SupportRecovery.cost))
    .where(_of_customers(SupportRecovery.customer_id))
    .group_by(SupportRecovery.currency)
    .order_by(SupportRecovery.currency)
)
LAST_SURVEY = (
    select(SupportSurvey)
    .where(_of_customers(SupportSurvey.customer_id))
    .order_by(SupportSurvey.answered_at.desc(), SupportSurvey.survey_id.desc())
    .limit(1)
)


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

    async def service_totals(
        self, customer_ids: Collection[str]
    ) -> tuple[TicketTotals, int, SurveyTotals]:
        """The tickets', breaches' and surveys' totals, in one query."""
        row = (
            await self.session.execute(SERVICE_TOTALS, {"customer_ids": sorted(customer_ids)})
        ).one()
        total, open_, complaints, major, last, breaches, surveys, mean = row
        return (
            TicketTotals(int(open_), int(total), int(complaints), int(major), last),
            int(breaches),
            SurveyTotals(int(surveys), Decimal(mean) if mean is not None else None),
        )

    async def recovery_costs(self, customer_ids: Collection[str]) -> dict[str, Decimal]:
        rows = await self.session.execute(RECOVERY_COSTS, {"customer_ids": sorted(customer_ids)})
        return {currency: Decimal(cost) for currency, cost in rows}

    async def last_survey(self, customer_ids: Collection[str]) -> SupportSurvey | None:
        return await self.session.scalar(LAST_SURVEY, {"customer_ids": sorted(customer_ids)})
