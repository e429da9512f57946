"""All SQL of the churn model and the churn report, set-based: a handful of grouped queries
whatever the number of customers.

Orders (not cancelled), tickets, breaches and surveys are filed under the id their event
named; each query maps an alias to its survivor (``customer_aliases``) and groups by the
survivor, so a merged customer's history counts once, for the survivor.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from crm_shared.contracts.support import TicketKind
from crm_shared.db.statements import AnySelect
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, and_, case, false, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.churn.models import ChurnModel
from crm_analytics.churn.tree import FEATURE_NAMES, Matrix
from crm_analytics.profiles.models import CustomerAlias, LifecycleChange
from crm_analytics.sales.models import SalesOpportunity, SalesOrder
from crm_analytics.support.models import SupportBreach, SupportSurvey, SupportTicket
from crm_analytics.support.repository import SETTLED

SECONDS_PER_DAY = 86_400.0
# Without a survey, the scale's midpoint: neither satisfied nor dissatisfied.
NO_SURVEY_SCORE = 3.0
LOST_STAGE = "lost"


def _survivor(customer_id: Any) -> ColumnElement[str]:
    return func.coalesce(CustomerAlias.survivor_id, customer_id)


def _by_survivor(statement: AnySelect, customer_id: Any) -> AnySelect:
    return statement.outerjoin(CustomerAlias, CustomerAlias.alias_id == customer_id)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _spend(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, SalesOrder.total), else_=0)), 0)


@dataclass(frozen=True)
class FeatureSet:
    customer_ids: list[str]
    features: Matrix  # one row per customer, columns as crm_analytics.churn.tree.FEATURES
    churned: NDArray[np.bool_]  # no purchase in the horizon after the cut (training only)


async def churn_features(
    session: AsyncSession, customer_ids: Collection[str] | None, as_of: datetime
) -> tuple[list[str], Matrix]:
    """The model's features as of ``as_of`` of every customer who had bought before it (or
    of those of ``customer_ids`` who had: survivor ids), for the scoring run."""
    found = await ChurnRepository(session).feature_set(as_of, customer_ids=customer_ids)
    return found.customer_ids, found.features


class ChurnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def feature_set(
        self,
        cut: datetime,
        *,
        trend_days: int = 180,
        horizon_days: int | None = None,
        customer_ids: Collection[str] | None = None,
    ) -> FeatureSet:
        """Features as of ``cut`` of the customers who bought before it; with
        ``horizon_days``, the label too (no purchase in ``[cut, cut + horizon)``)."""
        orders = await self._order_figures(cut, trend_days, horizon_days, customer_ids)
        ids = [row[0] for row in orders]
        index = {customer_id: position for position, customer_id in enumerate(ids)}
        matrix = np.zeros((len(ids), len(FEATURE_NAMES)), dtype=np.float64)
        if orders:
            _, count, first, last, recent, before, spend_recent, spend_before, bought = zip(
                *orders, strict=True
            )
            orders_before_cut = np.array(count, dtype=np.float64)
            since_last = _whole_days(cut.timestamp() - _seconds(last))
            span = _whole_days(_seconds(last) - _seconds(first))
            # With one purchase, the only gap known is the one still open.
            gap = np.where(
                orders_before_cut > 1, span / np.maximum(orders_before_cut - 1, 1), since_last
            )
            matrix[:, 0] = since_last
            matrix[:, 1] = np.floor(gap)
            matrix[:, 2:6] = np.array(
                [recent, before, spend_recent, spend_before], dtype=np.float64
            ).T
        churned = ~np.array([bool(flag) for flag in bought] if orders else [], dtype=np.bool_)
        matrix[:, 9] = NO_SURVEY_SCORE
        _fill(matrix, index, await self._complaints(cut, customer_ids), [6, 7])
        _fill(matrix, index, await self._breaches(cut, customer_ids), [8])
        _fill(matrix, index, await self._survey_means(cut, customer_ids), [9])
        return FeatureSet(ids, matrix, churned)

    async def _order_figures(
        self,
        cut: datetime,
        trend_days: int,
        horizon_days: int | None,
        customer_ids: Collection[str] | None,
    ) -> Sequence[Any]:
        at = SalesOrder.ordered_at
        survivor = _survivor(SalesOrder.customer_id)
        recent_from = cut - timedelta(days=trend_days)
        before_from = cut - timedelta(days=2 * trend_days)
        is_before = at < cut
        recent = and_(at >= recent_from, is_before)
        earlier = and_(at >= before_from, at < recent_from)
        bought: Any = literal(0)
        if horizon_days is not None:
            bought = func.max(
                case((and_(at >= cut, at < cut + timedelta(days=horizon_days)), 1), else_=0)
            )
        statement = _by_survivor(
            select(
                survivor,
                _count(is_before),
                func.min(case((is_before, at))),
                func.max(case((is_before, at))),
                _count(recent),
                _count(earlier),
                _spend(recent),
                _spend(earlier),
                bought,
            ).select_from(SalesOrder),
            SalesOrder.customer_id,
        ).where(SalesOrder.cancelled == false())
        if customer_ids is not None:
            statement = statement.where(survivor.in_(sorted(customer_ids)))
        statement = statement.group_by(survivor).having(_count(is_before) > 0).order_by(survivor)
        return (await self.session.execute(statement)).all()

    async def _complaints(
        self, cut: datetime, customer_ids: Collection[str] | None
    ) -> Sequence[Any]:
        """Complaints received before the cut, and of them those still open (the ticket's
        state now: the projection keeps no history of states)."""
        ticket = SupportTicket
        survivor = _survivor(ticket.customer_id)
        statement = _by_survivor(
            select(survivor, func.count(), _count(ticket.status.not_in(SETTLED))).select_from(
                ticket
            ),
            ticket.customer_id,
        ).where(ticket.kind == TicketKind.COMPLAINT.value, ticket.received_at < cut)
        return await self._grouped(statement, survivor, customer_ids)

    async def _breaches(self, cut: datetime, customer_ids: Collection[str] | None) -> Sequence[Any]:
        survivor = _survivor(SupportBreach.customer_id)
        statement = _by_survivor(
            select(survivor, func.count()).select_from(SupportBreach), SupportBreach.customer_id
        ).where(SupportBreach.breached_at < cut)
        return await self._grouped(statement, survivor, customer_ids)

    async def _survey_means(
        self, cut: datetime, customer_ids: Collection[str] | None
    ) -> Sequence[Any]:
        survivor = _survivor(SupportSurvey.customer_id)
        statement = _by_survivor(
            select(survivor, func.avg(SupportSurvey.mean_score)).select_from(SupportSurvey),
            SupportSurvey.customer_id,
        ).where(SupportSurvey.answered_at < cut)
        return await self._grouped(statement, survivor, customer_ids)

    async def _grouped(
        self, statement: AnySelect, survivor: Any, customer_ids: Collection[str] | None
    ) -> Sequence[Any]:
        if customer_ids is not None:
            statement = statement.where(survivor.in_(sorted(customer_ids)))
        return (await self.session.execute(statement.group_by(survivor))).all()

    # --- the stored models ------------------------------------------------------------

    def add_model(self, model: ChurnModel) -> None:
        self.session.add(model)

    async def newest_model(self) -> ChurnModel | None:
        statement = select(ChurnModel).order_by(ChurnModel.fitted_at.desc(), ChurnModel.id.desc())
        return (await self.session.scalars(statement.limit(1))).first()

    # --- the churn report -------------------------------------------------------------

    async def period_counts(
        self, bounds: Sequence[datetime], window_days: int
    ) -> list[tuple[int, int, int, int]]:
        """For the periods between consecutive ``bounds``: customers active at the start
        (bought in the window before it), of them not active at the end (lost), active at
        the end, and new (first purchase ever within the period). One query."""
        at = SalesOrder.ordered_at
        survivor = _survivor(SalesOrder.customer_id)
        window = timedelta(days=window_days)
        flags = [
            func.max(case((and_(at >= bound - window, at < bound), 1), else_=0)).label(f"a{k}")
            for k, bound in enumerate(bounds)
        ]
        per_customer = (
            _by_survivor(
                select(func.min(at).label("first"), *flags).select_from(SalesOrder),
                SalesOrder.customer_id,
            )
            .where(SalesOrder.cancelled == false())
            .group_by(survivor)
            .subquery()
        )
        columns: list[Any] = []
        for k in range(len(bounds) - 1):
            start, end = per_customer.c[f"a{k}"] == 1, per_customer.c[f"a{k + 1}"] == 1
            first = per_customer.c.first
            columns += [
                _count(start),
                _count(and_(start, per_customer.c[f"a{k + 1}"] == 0)),
                _count(end),
                _count(and_(first >= bounds[k], first < bounds[k + 1])),
            ]
        row = (await self.session.execute(select(*columns).select_from(per_customer))).one()
        values = [int(value) for value in row]
        return [
            (values[4 * k], values[4 * k + 1], values[4 * k + 2], values[4 * k + 3])
            for k in range(len(bounds) - 1)
        ]

    async def lost_reasons(self, start: datetime, end: datetime) -> list[tuple[str | None, int]]:
        """The reasons recorded when a customer's lifecycle moved to lost in the period."""
        statement = (
            select(LifecycleChange.reason, func.count())
            .where(
                LifecycleChange.to_stage == LOST_STAGE,
                LifecycleChange.changed_at >= start,
                LifecycleChange.changed_at < end,
            )
            .group_by(LifecycleChange.reason)
        )
        return [(reason, int(count)) for reason, count in await self.session.execute(statement)]

    async def lost_opportunity_reasons(
        self, start: datetime, end: datetime
    ) -> list[tuple[str | None, int]]:
        """The loss reasons of the opportunities of customers lost (closed) in the period."""
        opportunity = SalesOpportunity
        statement = (
            select(opportunity.loss_reason, func.count())
            .where(
                opportunity.stage == LOST_STAGE,
                opportunity.customer_id.is_not(None),
                opportunity.closed_at >= start,
                opportunity.closed_at < end,
            )
            .group_by(opportunity.loss_reason)
        )
        return [(reason, int(count)) for reason, count in await self.session.execute(statement)]


def _seconds(moments: Sequence[datetime]) -> NDArray[np.float64]:
    return np.array([moment.timestamp() for moment in moments], dtype=np.float64)


def _whole_days(seconds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Whole days, as the features count them."""
    result: NDArray[np.float64] = np.floor(seconds / SECONDS_PER_DAY)
    return result


def _fill(matrix: Matrix, index: dict[str, int], rows: Sequence[Any], columns: list[int]) -> None:
    """Per-customer figures (id first) into their columns; customers without an order
    before the cut are not in the matrix, and a None (no survey score) leaves the default."""
    found = [(index[row[0]], row[1:]) for row in rows if row[0] in index]
    if not found:
        return
    positions = np.array([position for position, _ in found], dtype=np.int64)
    values = np.array(
        [[np.nan if value is None else float(value) for value in figures] for _, figures in found],
        dtype=np.float64,
    )
    known = ~np.isnan(values)
    for offset, column in enumerate(columns):
        chosen = known[:, offset]
        matrix[positions[chosen], column] = values[chosen, offset]


def midnight(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
