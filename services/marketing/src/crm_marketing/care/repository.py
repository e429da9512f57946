"""All SQL of the care programmes: whose birthday it may be, every active customer, a
customer's value class, and the churn risks proactive care keeps."""

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, extract, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.care.models import ChurnCare
from crm_marketing.db import customer_view_table, value_classes

ACTIVE = "active"


class CareRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def born_on(self, days: Iterable[date]) -> list[dict[str, Any]]:
        """Active customers born on any of these days of the year (29 February too when 28
        February is one of them: its people are greeted then in other years): id, birth date
        and time zone."""
        view = customer_view_table
        month_days = {(day.month, day.day) for day in days}
        if (2, 28) in month_days:
            month_days.add((2, 29))
        conditions: list[ColumnElement[bool]] = [
            (extract("month", view.c.birth_date) == month)
            & (extract("day", view.c.birth_date) == day)
            for month, day in sorted(month_days)
        ]
        statement = (
            select(view.c.id, view.c.birth_date, view.c.time_zone)
            .where(view.c.status == ACTIVE, or_(*conditions))
            .order_by(view.c.id)
        )
        return [dict(row._mapping) for row in await self.session.execute(statement)]

    async def active(self) -> list[dict[str, Any]]:
        """Every active customer: id and time zone."""
        view = customer_view_table
        statement = (
            select(view.c.id, view.c.time_zone).where(view.c.status == ACTIVE).order_by(view.c.id)
        )
        return [dict(row._mapping) for row in await self.session.execute(statement)]

    async def value_class(self, customer_id: str) -> str | None:
        """Analytics' newest value class of the customer (its projection)."""
        found = await self.session.scalar(
            select(value_classes.c.value_class).where(value_classes.c.customer_id == customer_id)
        )
        return str(found) if found is not None else None

    async def churn_care(self, customer_id: str) -> ChurnCare | None:
        return await self.session.get(ChurnCare, customer_id)

    def add(self, state: ChurnCare) -> ChurnCare:
        self.session.add(state)
        return state

    async def cared_for_until(
        self, customer_ids: Collection[str], now: datetime
    ) -> dict[str, datetime]:
        """The customers among these whose promotions wait for care now, and until when."""
        rows = await self.session.execute(
            select(ChurnCare.customer_id, ChurnCare.care_until).where(
                ChurnCare.customer_id.in_(list(customer_ids)), ChurnCare.care_until > now
            )
        )
        return {row.customer_id: row.care_until for row in rows}

    async def forget(self, customer_id: str) -> None:
        await self.session.execute(delete(ChurnCare).where(ChurnCare.customer_id == customer_id))
