"""The tools: the market size estimate and the most-valuable-customer report."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.tools import repository
from crm_analytics.tools.repository import ClassTotals
from crm_analytics.tools.rules import MVC_CLASSES, MvcClass


@dataclass(frozen=True)
class MvcReportLine:
    mvc_class: MvcClass
    customers: int
    value: Decimal
    average_loyalty: float | None


@dataclass(frozen=True)
class MvcReport:
    classes: list[MvcReportLine]
    unclassified: int


async def mvc_report(session: AsyncSession) -> MvcReport:
    """Customers, their value and mean loyalty per class 1-8 (empty classes included)."""
    found = {totals.mvc_class: totals for totals in await repository.mvc_class_totals(session)}
    empty = ClassTotals(None, 0, Decimal("0.00"), None)
    lines = [
        MvcReportLine(
            cls,
            found.get(cls.number, empty).customers,
            found.get(cls.number, empty).value,
            found.get(cls.number, empty).average_loyalty,
        )
        for cls in MVC_CLASSES
    ]
    return MvcReport(lines, found.get(None, empty).customers)
