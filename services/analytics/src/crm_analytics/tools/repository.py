"""All SQL of the tools: the most-valuable-customer classes counted over the scores."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.scores.models import CustomerScore


@dataclass(frozen=True)
class ClassTotals:
    mvc_class: int | None  # None: not classified yet
    customers: int
    value: Decimal
    average_loyalty: float | None


async def mvc_class_totals(session: AsyncSession) -> list[ClassTotals]:
    score = CustomerScore
    statement = select(
        score.mvc_class,
        func.count(),
        func.coalesce(func.sum(score.monetary_total), 0),
        func.avg(score.loyalty_score),
    ).group_by(score.mvc_class)
    return [
        ClassTotals(
            mvc_class,
            int(customers),
            Decimal(value).quantize(Decimal("0.01")),
            float(loyalty) if loyalty is not None else None,
        )
        for mvc_class, customers, value, loyalty in await session.execute(statement)
    ]
