"""All SQL of the care programmes: whose birthday it is, every active customer, a
customer's value class, and the churn risks proactive care keeps."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, delete, extract, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.care.models import ChurnCare
from crm_marketing.db import customer_view_table, value_classes

ACTIVE = "active"


class CareRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def born_on(self, month: int, day: int, *, with_leap_day: bool = False) -> list[str]:
        """Active customers born on this day of the year (and on 29 February, in a year
        without one, when asked)."""
        view = customer_view_table
        born = extract("month", view.c.birth_date) == month
        on_day = extract("day", view.c.birth_date) == day
        condition: ColumnElement[bool] = born & on_day
        if with_leap_day:
            leap = (extract("month", view.c.birth_date) == 2) & (
                extract("day", view.c.birth_date) == 29
            )
            condition = or_(condition, leap)
        rows = await self.session.scalars(
            select(view.c.id).where(view.c.status == ACTIVE, condition).order_by(view.c.id)
        )
        return list(rows)

    async def active(self) -> list[str]:
        view = customer_view_table
        rows = await self.session.scalars(
            select(view.c.id).where(view.c.status == ACTIVE).order_by(view.c.id)
        )
        return list(rows)

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
