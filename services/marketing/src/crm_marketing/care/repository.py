"""All SQL of the care programmes: whose birthday it is, and every active customer."""

from sqlalchemy import ColumnElement, extract, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_marketing.db import customer_view_table

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
