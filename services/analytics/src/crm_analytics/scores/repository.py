"""Every query of the scoring run: the per-customer order summary (two GROUP BYs and a
window function, on SQLite and PostgreSQL alike), the service figures churn risk reads, the
stored scores, runs and model fits.

Orders are filed under the customer id their event named; an alias is read as its survivor
(``customer_aliases``), so a merged customer's orders count for the survivor. Days are UTC
day numbers (days since 1970-01-01): several orders on one day are one purchase day, as
the reference implementation of the CLV models counts them.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from crm_shared.db import table_of
from crm_shared.db.statements import insert_many
from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from crm_analytics.db import aware, upsert
from crm_analytics.profiles.models import CustomerAlias, Profile, ProfileTag
from crm_analytics.sales.models import SalesOrder
from crm_analytics.scores.models import ClvModel, CustomerScore, ScoreRun
from crm_analytics.scores.rules import Floats, InactivityMark
from crm_analytics.support.models import SupportBreach, SupportSurvey, SupportTicket

EPOCH = date(1970, 1, 1)
CLOSED_TICKET_STATES = ("resolved", "follow_up_done", "closed")
WRITE_CHUNK = 5_000


def day_number(moment: date) -> int:
    return (moment - EPOCH).days


@dataclass(frozen=True)
class Window:
    """The day numbers a run counts: everything up to ``end`` (inclusive), the value window
    ``(end - value_days, end]``, and the two trend windows before ``end``."""

    end: int
    value_days: int
    trend_days: int


@dataclass(frozen=True)
class Stored:
    """A customer's stored value class, churn level and inactivity mark."""

    value_class: str | None = None
    churn_level: str | None = None
    inactivity: InactivityMark = field(default_factory=InactivityMark)


@dataclass
class OrderSummary:
    """Per customer (aligned arrays): what RFM, ABC, CLV and churn risk are computed from."""

    customer_ids: list[str]
    orders: Floats
    purchase_days: Floats
    first_day: Floats
    last_day: Floats
    total: Floats
    first_day_total: Floats
    window_value: Floats
    orders_recent: Floats
    orders_before: Floats
    spend_recent: Floats
    spend_before: Floats
    first_order_at: list[Any]
    last_order_at: list[Any]
    vip: np.ndarray[Any, np.dtype[np.bool_]]


class ScoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- reading the history -----------------------------------------------------------

    async def names_of(self, customer_ids: Collection[str]) -> set[str]:
        """The ids orders of these customers may be filed under: theirs and their aliases'."""
        aliases = await self.session.scalars(
            select(CustomerAlias.alias_id).where(CustomerAlias.survivor_id.in_(customer_ids))
        )
        return set(customer_ids) | set(aliases)

    async def order_summary(
        self,
        window: Window,
        rates: Mapping[str, float],
        vip_tag: str,
        names: Collection[str] | None = None,
    ) -> OrderSummary:
        customer = func.coalesce(CustomerAlias.survivor_id, SalesOrder.customer_id)
        day = self._day(SalesOrder.ordered_at)
        rate = case(
            *((SalesOrder.currency == code, literal(value)) for code, value in rates.items()),
            else_=literal(None),
        )
        conditions: list[ColumnElement[bool]] = [
            SalesOrder.cancelled.is_(False),
            SalesOrder.currency.in_(list(rates)),
            day <= window.end,
        ]
        if names is not None:
            conditions.append(SalesOrder.customer_id.in_(names))
        days = (
            select(
                customer.label("customer_id"),
                day.label("day"),
                func.sum(SalesOrder.total * rate).label("day_total"),
                func.count().label("orders"),
                func.min(SalesOrder.ordered_at).label("first_at"),
                func.max(SalesOrder.ordered_at).label("last_at"),
            )
            .select_from(SalesOrder)
            .outerjoin(CustomerAlias, CustomerAlias.alias_id == SalesOrder.customer_id)
            .where(*conditions)
            .group_by(customer, day)
            .subquery()
        )
        ranked = select(
            days,
            func.first_value(days.c.day_total)
            .over(partition_by=days.c.customer_id, order_by=days.c.day)
            .label("first_day_total"),
        ).subquery()
        recent = ranked.c.day > window.end - window.trend_days
        before = and_(
            ranked.c.day > window.end - 2 * window.trend_days,
            ranked.c.day <= window.end - window.trend_days,
        )
        statement = (
            select(
                ranked.c.customer_id,
                func.sum(ranked.c.orders),
                func.count(),
                func.min(ranked.c.day),
                func.max(ranked.c.day),
                func.sum(ranked.c.day_total),
                func.max(ranked.c.first_day_total),
                func.sum(_when(ranked.c.day > window.end - window.value_days, ranked.c.day_total)),
                func.sum(_when(recent, ranked.c.orders)),
                func.sum(_when(before, ranked.c.orders)),
                func.sum(_when(recent, ranked.c.day_total)),
                func.sum(_when(before, ranked.c.day_total)),
                func.min(ranked.c.first_at),
                func.max(ranked.c.last_at),
                func.count(ProfileTag.tag),
            )
            .select_from(ranked)
            .outerjoin(Profile, Profile.customer_id == ranked.c.customer_id)
            .outerjoin(
                ProfileTag,
                and_(ProfileTag.customer_id == ranked.c.customer_id, ProfileTag.tag == vip_tag),
            )
            # Orders that arrived before their customer's profile count; an erased or
            # merged-away customer's never do.
            .where(or_(Profile.status.is_(None), Profile.status == "active"))
            .group_by(ranked.c.customer_id)
        )
        rows = (await self.session.execute(statement)).all()
        columns = list(zip(*rows, strict=True)) if rows else [()] * 15
        return OrderSummary(
            customer_ids=list(columns[0]),
            orders=_floats(columns[1]),
            purchase_days=_floats(columns[2]),
            first_day=_floats(columns[3]),
            last_day=_floats(columns[4]),
            total=_floats(columns[5]),
            first_day_total=_floats(columns[6]),
            window_value=_floats(columns[7]),
            orders_recent=_floats(columns[8]),
            orders_before=_floats(columns[9]),
            spend_recent=_floats(columns[10]),
            spend_before=_floats(columns[11]),
            first_order_at=[self._aware(value) for value in columns[12]],
            last_order_at=[self._aware(value) for value in columns[13]],
            vip=np.asarray(columns[14], dtype=np.int64) > 0,
        )

    async def service_figures(
        self, customer_ids: Sequence[str], breach_since: Any
    ) -> tuple[Floats, Floats, Floats]:
        """Open complaints, breaches since ``breach_since`` and the last survey's mean score
        (NaN without one), aligned with ``customer_ids``; read for the customers that have any."""
        position = {customer_id: i for i, customer_id in enumerate(customer_ids)}
        open_complaints = np.zeros(len(customer_ids))
        breaches = np.zeros(len(customer_ids))
        satisfaction = np.full(len(customer_ids), np.nan)
        for table, target, extra in (
            (
                SupportTicket,
                open_complaints,
                [
                    SupportTicket.kind == "complaint",
                    SupportTicket.status.not_in(CLOSED_TICKET_STATES),
                ],
            ),
            (SupportBreach, breaches, [SupportBreach.breached_at >= breach_since]),
        ):
            owner = func.coalesce(CustomerAlias.survivor_id, table.customer_id)
            counted = (
                select(owner, func.count())
                .select_from(table)
                .outerjoin(CustomerAlias, CustomerAlias.alias_id == table.customer_id)
                .where(*extra)
                .group_by(owner)
            )
            for customer_id, count in await self.session.execute(counted):
                if customer_id in position:
                    target[position[customer_id]] = count
        owner = func.coalesce(CustomerAlias.survivor_id, SupportSurvey.customer_id)
        latest = (
            select(
                owner.label("customer_id"),
                SupportSurvey.mean_score,
                func.row_number()
                .over(partition_by=owner, order_by=SupportSurvey.answered_at.desc())
                .label("newest"),
            )
            .outerjoin(CustomerAlias, CustomerAlias.alias_id == SupportSurvey.customer_id)
            .subquery()
        )
        surveys = select(latest.c.customer_id, latest.c.mean_score).where(latest.c.newest == 1)
        for customer_id, score in await self.session.execute(surveys):
            if customer_id in position and score is not None:
                satisfaction[position[customer_id]] = float(score)
        return open_complaints, breaches, satisfaction

    # --- scores ------------------------------------------------------------------------

    async def stored_of(self, customer_ids: Collection[str] | None) -> dict[str, Stored]:
        """What the run's events compare with, as stored (None: everyone's)."""
        statement = select(
            CustomerScore.customer_id,
            CustomerScore.value_class,
            CustomerScore.churn_level,
            CustomerScore.inactive_since,
            CustomerScore.inactive_notified_days,
        )
        if customer_ids is not None:
            statement = statement.where(CustomerScore.customer_id.in_(customer_ids))
        return {
            row[0]: Stored(
                row[1], row[2], InactivityMark(aware(row[3]) if row[3] else None, row[4])
            )
            for row in await self.session.execute(statement)
        }

    async def replace_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """A full run's rows in place of every stored one (readers see the old ones until
        the commit)."""
        await self.session.execute(delete(CustomerScore))
        await insert_many(self.session, table_of(CustomerScore), rows)

    async def upsert(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        statement = upsert(self.session, table_of(CustomerScore))
        columns = {
            name: getattr(statement.excluded, name) for name in rows[0] if name != "customer_id"
        }
        statement = statement.on_conflict_do_update(index_elements=["customer_id"], set_=columns)
        for start in range(0, len(rows), WRITE_CHUNK):
            await self.session.execute(statement, rows[start : start + WRITE_CHUNK])

    async def remove(self, customer_ids: Collection[str]) -> None:
        if customer_ids:
            await self.session.execute(
                delete(CustomerScore).where(CustomerScore.customer_id.in_(customer_ids))
            )

    async def get(self, customer_id: str) -> CustomerScore | None:
        return await self.session.get(CustomerScore, customer_id)

    # --- runs and models ---------------------------------------------------------------

    async def add_run(self, run: ScoreRun) -> ScoreRun:
        self.session.add(run)
        await self.session.flush()
        return run

    async def last_full_run(self) -> ScoreRun | None:
        return await self.session.scalar(
            select(ScoreRun)
            .where(ScoreRun.kind == "full")
            .order_by(ScoreRun.sequence.desc())
            .limit(1)
        )

    async def newest_model(self) -> ClvModel | None:
        return await self.session.scalar(
            select(ClvModel).order_by(ClvModel.fitted_at.desc(), ClvModel.id.desc()).limit(1)
        )

    async def add_model(self, model: ClvModel) -> ClvModel:
        self.session.add(model)
        await self.session.flush()
        return model

    # --- dialect ------------------------------------------------------------------------

    def _day(self, column: Any) -> ColumnElement[int]:
        if self.session.get_bind().dialect.name == "postgresql":
            return cast(func.floor(func.extract("epoch", column) / 86400), Integer)
        # SQLite keeps the UTC time as text: the day is its date's Julian day number.
        return cast(func.julianday(func.substr(column, 1, 10)) - 2440587.5, Integer)

    @staticmethod
    def _aware(value: Any) -> datetime | None:
        """MIN/MAX of a time column come back as datetimes on PostgreSQL, text on SQLite."""
        if value is None or isinstance(value, datetime):
            return aware(value) if value is not None else None
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _floats(column: Sequence[Any]) -> Floats:
    return np.nan_to_num(np.asarray(column, dtype=np.float64))


def _when(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return case((condition, value), else_=0)
