"""Reading the sales section of a profile: the customer's rows and those of every customer
merged into it, totalled per currency."""

from collections.abc import Collection
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.sales.repository import SalesRepository
from crm_analytics.sales.rules import sales_figures
from crm_analytics.sales.schemas import SalesOut


async def read_sales(session: AsyncSession, customer_ids: Collection[str], today: date) -> SalesOut:
    orders, pipeline = await SalesRepository(session).section_totals(customer_ids, today)
    return SalesOut.model_validate(sales_figures(orders, pipeline))
