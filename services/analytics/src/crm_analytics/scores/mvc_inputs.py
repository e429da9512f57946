"""What the most-valuable-customer order reads of every customer, in a few set-based
queries (one GROUP BY per source), laid out as arrays for :mod:`crm_analytics.scores.mvc`.

Orders, complaints and opportunities are filed under the customer id their event named:
an alias's count for its survivor (an outer join with ``customer_aliases``).
"""

from collections.abc import Collection
from datetime import datetime

import numpy as np
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.profiles.models import CustomerAlias, Profile
from crm_analytics.sales.models import SalesOpportunity, SalesOrder
from crm_analytics.scores.mvc import Floats, Ints, MvcInputs, as_float
from crm_analytics.support.models import SupportTicket

ACTIVE = "active"
SECONDS_PER_DAY = 86_400.0


async def mvc_inputs(
    session: AsyncSession, customer_ids: Collection[str] | None, currency: str | None = None
) -> MvcInputs:
    """The inputs of the active profiles (all of them, or those of ``customer_ids``);
    ``currency``: count spend in that currency only (None: every currency's totals)."""
    wanted = sorted(set(customer_ids)) if customer_ids is not None else None
    statement = select(
        Profile.customer_id,
        Profile.kind,
        Profile.credit_grade,
        Profile.segmentation["employees"],
        Profile.segmentation["annual_revenue"],
        Profile.segmentation["brand_loyalty"].as_string(),
    ).where(Profile.status == ACTIVE)
    if wanted is not None:
        statement = statement.where(Profile.customer_id.in_(wanted))
    rows = (await session.execute(statement.order_by(Profile.customer_id))).all()
    ids = [row[0] for row in rows]
    positions = _Positions(ids)
    count = len(ids)

    orders = np.zeros(count, dtype=np.int64)
    spend = np.zeros(count)
    last_order_at = np.full(count, np.nan)
    owner = _owner(SalesOrder.customer_id)
    order_rows = await session.execute(
        _for_owners(
            select(owner, func.count(), func.sum(SalesOrder.total), func.max(SalesOrder.ordered_at))
            .outerjoin(CustomerAlias, CustomerAlias.alias_id == SalesOrder.customer_id)
            .where(
                SalesOrder.cancelled == false(),
                *([SalesOrder.currency == currency] if currency else []),
            ),
            owner,
            wanted,
        ).group_by(owner)
    )
    for customer_id, placed, total, last in order_rows:
        at = positions.of(customer_id)
        if at is not None:
            orders[at], spend[at], last_order_at[at] = placed, float(total), _seconds(last)

    complaints = np.zeros(count, dtype=np.int64)
    first_complaint_at = np.full(count, np.nan)
    owner = _owner(SupportTicket.customer_id)
    complaint_rows = await session.execute(
        _for_owners(
            select(owner, func.count(), func.min(SupportTicket.received_at))
            .outerjoin(CustomerAlias, CustomerAlias.alias_id == SupportTicket.customer_id)
            .where(SupportTicket.kind == "complaint"),
            owner,
            wanted,
        ).group_by(owner)
    )
    for customer_id, received, first in complaint_rows:
        at = positions.of(customer_id)
        if at is not None:
            complaints[at], first_complaint_at[at] = received, _seconds(first)

    closed = np.zeros(count, dtype=np.int64)
    lost_to_competitor = np.zeros(count, dtype=np.int64)
    decision_total = np.zeros(count)
    decisions = np.zeros(count, dtype=np.int64)
    opportunity = SalesOpportunity
    owner = _owner(opportunity.customer_id)
    opportunity_rows = await session.execute(
        _for_owners(
            select(
                owner,
                opportunity.stage,
                opportunity.competitor,
                opportunity.opened_at,
                opportunity.closed_at,
            )
            .outerjoin(CustomerAlias, CustomerAlias.alias_id == opportunity.customer_id)
            .where(opportunity.stage.in_(("won", "lost"))),
            owner,
            wanted,
        )
    )
    for customer_id, stage, competitor, opened, closed_at in opportunity_rows:
        at = positions.of(customer_id)
        if at is None:
            continue
        closed[at] += 1
        if stage == "lost" and competitor:
            lost_to_competitor[at] += 1
        if stage == "won" and opened is not None and closed_at is not None:
            decision_total[at] += (closed_at - opened).total_seconds() / SECONDS_PER_DAY
            decisions[at] += 1

    return MvcInputs(
        customer_ids=ids,
        kind=np.array([row[1] for row in rows], dtype=object),
        credit_grade=np.array([row[2] for row in rows], dtype=object),
        employees=np.array([as_float(row[3]) for row in rows], dtype=float),
        annual_revenue=np.array([as_float(row[4]) for row in rows], dtype=float),
        brand_loyalty=np.array([row[5] for row in rows], dtype=object),
        orders=orders,
        spend=spend,
        last_order_at=last_order_at,
        complaints=complaints,
        first_complaint_at=first_complaint_at,
        closed_opportunities=closed,
        lost_to_competitor=lost_to_competitor,
        decision_days=_mean(decision_total, decisions),
    )


class _Positions:
    def __init__(self, ids: list[str]) -> None:
        self._at = {customer_id: at for at, customer_id in enumerate(ids)}

    def of(self, customer_id: str | None) -> int | None:
        return self._at.get(customer_id) if customer_id is not None else None


def _owner(filed_under: SQLColumnExpression[str | None]) -> ColumnElement[str | None]:
    """The profile a row counts for: the survivor of the id it was filed under, or that id."""
    return func.coalesce(CustomerAlias.survivor_id, filed_under)


def _for_owners(
    statement: Select, owner: ColumnElement[str | None], wanted: list[str] | None
) -> Select:
    return statement if wanted is None else statement.where(owner.in_(wanted))


def _seconds(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else np.nan


def _mean(totals: Floats, counts: Ints) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
