"""Reading opportunities: the filtered, sorted, paged list and the stage history."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.cursors import Slice, day, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork

from crm_sales.opportunities.models import Opportunity, StageChange
from crm_sales.opportunities.repository import NO_CLOSE_DATE, OpportunityRepository
from crm_sales.opportunities.schemas import OpportunityFilter, OpportunitySort
from crm_sales.opportunities.service import get_opportunity


def _cursor_fields(sort: OpportunitySort) -> list[tuple[str, Any]]:
    name = sort.value.lstrip("-")
    parse: Any = {"expected_close_date": day, "amount": _decimal}.get(name, instant)

    def same_sort(value: Any) -> str:
        if value != sort.value:
            raise ValueError("a cursor of another sort order")
        return text(value)

    return [("sort", same_sort), ("key", parse), ("id", text)]


def _decimal(value: Any) -> Decimal:
    return Decimal(text(value))


async def search_opportunities(
    uow: UnitOfWork,
    filters: OpportunityFilter,
    cursor: str | None,
    limit: int,
    scope: RecordScope,
    *,
    count: bool = False,
) -> Slice[Opportunity]:
    fields = _cursor_fields(filters.sort)
    position = position_of(cursor, fields)
    after = position[1:] if position is not None else None
    repository = OpportunityRepository(uow.session)
    rows = await repository.search(filters, after, limit + 1, scope)
    total = await repository.count(filters, scope) if count else None
    name = filters.sort.value.lstrip("-")

    def key(row: Opportunity) -> list[Any]:
        value = getattr(row, name)
        if name == "expected_close_date" and value is None:
            value = NO_CLOSE_DATE
        if isinstance(value, Decimal):
            value = f"{value:f}"
        return [filters.sort.value, value, row.id]

    return slice_of(rows, limit, key, fields, total)


@dataclass(frozen=True)
class History:
    opportunity: Opportunity
    changes: list[StageChange]
    now: datetime


async def stage_history(uow: UnitOfWork, opportunity_id: str, scope: RecordScope) -> History:
    opportunity = await get_opportunity(uow, opportunity_id, scope)
    changes = await OpportunityRepository(uow.session).changes_of(opportunity.id)
    return History(opportunity, changes, uow.clock.now())
