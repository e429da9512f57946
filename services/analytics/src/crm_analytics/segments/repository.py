"""All queries of segments: the filter compiled to one WHERE clause over the profiles and
their scores, the members, and the bulk writes of joins and leaves."""

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.contracts.customer import CustomerStatus
from crm_shared.contracts.segments import AllOf, AnyOf, NotOf, Op
from crm_shared.db import RepositoryBase, table_of
from crm_shared.db.repository import beyond
from crm_shared.db.statements import AnySelect, key_chunks
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    not_,
    or_,
    select,
    true,
    update,
)

from crm_analytics.db import upsert
from crm_analytics.profiles.models import Profile, ProfileTag
from crm_analytics.scores.models import CustomerScore
from crm_analytics.segments.models import Segment, SegmentMember
from crm_analytics.segments.rules import Band, birth_dates_of

ACTIVE = CustomerStatus.ACTIVE.value
# Ids per statement: well under SQLite's and asyncpg's limits on bound parameters.
CHUNK = 5_000

_COLUMNS: dict[str, Any] = {
    "industry": Profile.industry,
    "region": Profile.region,
    "city": Profile.city,
    "customer_type": Profile.kind,
    "lifecycle_stage": Profile.lifecycle_stage,
    "occupation": Profile.segmentation["occupation"].as_string(),
    "rfm_segment": CustomerScore.rfm_segment,
    "abc_class": CustomerScore.abc_class,
    "value_class": CustomerScore.value_class,
    "churn_risk": CustomerScore.churn_level,
    # A profile not scored yet has bought nothing.
    "monetary_total": func.coalesce(CustomerScore.monetary_total, 0),
    "orders": func.coalesce(CustomerScore.orders, 0),
    "recency_days": CustomerScore.recency_days,
    "churn_score": CustomerScore.churn_score,
    "clv_predicted": CustomerScore.predicted_value,
    "probability_alive": CustomerScore.probability_alive,
}
_MONEY = {"monetary_total"}


@dataclass(frozen=True)
class Context:
    """What a filter is evaluated against: today (age bands) and the segment's bands."""

    today: date
    age_bands: dict[str, Band]
    spend_bands: dict[str, Band]


def where_of(node: Any, context: Context) -> ColumnElement[bool]:
    """A valid filter as one WHERE clause over ``profiles LEFT JOIN customer_scores``."""
    match node:
        case AllOf(all=parts):
            return and_(*(where_of(part, context) for part in parts))
        case AnyOf(any=parts):
            return or_(*(where_of(part, context) for part in parts))
        case NotOf(not_=part):
            return not_(where_of(part, context))
    return _condition(node, context)


def _condition(condition: Any, context: Context) -> ColumnElement[bool]:
    op, value = Op(condition.op), condition.value
    # ne and not_in are the complement of eq and in: every leaf is two-valued (never NULL).
    if op is Op.NE:
        return not_(_condition(condition.model_copy(update={"op": "eq"}), context))
    if op is Op.NOT_IN:
        return not_(_condition(condition.model_copy(update={"op": "in"}), context))
    match condition.field:
        case "tags":
            return _tagged(value if op is Op.CONTAINS else None, value is not False)
        case "consent":
            granted = Profile.consent[(value.value, "granted")].as_boolean()
            return and_(granted.is_not(None), granted == true())
        case "age_band":
            born = Profile.birth_date
            ages = context.age_bands
            return _in_bands(op, value, ages, lambda band: _age_between(band, context.today, born))
        case "spend_band":
            spend = _COLUMNS["monetary_total"]
            return _in_bands(
                op, value, context.spend_bands, lambda band: _amount_between(band, spend), spend
            )
    column = _COLUMNS[condition.field]
    return _compare(column, op, value, money=condition.field in _MONEY)


def _tagged(tag: Any, wanted: bool) -> ColumnElement[bool]:
    found = select(ProfileTag.tag).where(ProfileTag.customer_id == Profile.customer_id)
    if tag is not None:
        return exists(found.where(ProfileTag.tag == str(tag)))
    return exists(found) if wanted else not_(exists(found))


def _number(value: Any, money: bool) -> Any:
    return Decimal(str(value)) if money else value


def _compare(column: Any, op: Op, value: Any, *, money: bool) -> ColumnElement[bool]:
    if op is Op.EXISTS:
        return column.is_not(None) if value is not False else column.is_(None)
    if op is Op.EQ:
        condition = column == (_number(value, money) if isinstance(value, float) else value)
    elif op is Op.IN:
        condition = column.in_(list(value))
    elif op is Op.GTE:
        condition = column >= _number(value, money)
    elif op is Op.LTE:
        condition = column <= _number(value, money)
    else:  # between
        low, high = value
        condition = column.between(_number(low, money), _number(high, money))
    return and_(column.is_not(None), condition)


def _in_bands(
    op: Op,
    value: Any,
    bands: dict[str, Band],
    within: Callable[[Band], ColumnElement[bool]],
    column: Any = Profile.birth_date,
) -> ColumnElement[bool]:
    if op is Op.EXISTS:
        return column.is_not(None) if value is not False else column.is_(None)
    names = [value] if op is Op.EQ else list(value)
    return and_(column.is_not(None), or_(*(within(bands[name]) for name in names)))


def _amount_between(band: Band, column: Any) -> ColumnElement[bool]:
    low = column >= band.low if band.low is not None else true()
    high = column < band.high if band.high is not None else true()
    return and_(low, high)


def _age_between(band: Band, today: date, column: Any) -> ColumnElement[bool]:
    after, on_or_before = birth_dates_of(band, today)
    return and_(
        column > after if after is not None else true(),
        column <= on_or_before if on_or_before is not None else true(),
    )


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    return key_chunks(sorted(ids), CHUNK)


@dataclass(frozen=True)
class MemberRow:
    customer_id: str
    joined_at: datetime
    name: str | None
    email: str | None
    kind: str | None
    rfm_segment: str | None
    value_class: str | None
    churn_risk: str | None
    monetary_total: Decimal | None


class SegmentRepository(RepositoryBase[Segment]):
    model = Segment

    def _selected(self, where: ColumnElement[bool]) -> Select[str]:
        """Only active profiles are ever members (an erased one is a tombstone, a merged
        one has no row left)."""
        joined = Profile.__table__.outerjoin(
            CustomerScore.__table__, CustomerScore.customer_id == Profile.customer_id
        )
        return (
            select(Profile.customer_id).select_from(joined).where(Profile.status == ACTIVE, where)
        )

    async def matching(
        self, where: ColumnElement[bool], customer_ids: Collection[str] | None
    ) -> set[str]:
        """The customers the filter selects (among ``customer_ids``; None: everyone)."""
        if customer_ids is None:
            return set(await self.session.scalars(self._selected(where)))
        found: set[str] = set()
        for chunk in _chunks(customer_ids):
            statement = self._selected(where).where(Profile.customer_id.in_(chunk))
            found.update(await self.session.scalars(statement))
        return found

    async def count_matching(self, where: ColumnElement[bool]) -> int:
        counted = select(func.count()).select_from(self._selected(where).subquery())
        return int(await self.session.scalar(counted) or 0)

    async def sample(self, where: ColumnElement[bool], size: int) -> list[str]:
        if size == 0:
            return []
        statement = self._selected(where).order_by(Profile.customer_id).limit(size)
        return list(await self.session.scalars(statement))

    async def memberships(
        self, segment_id: str, customer_ids: Collection[str] | None
    ) -> dict[str, tuple[int, bool]]:
        """``{customer_id: (version, is_member)}`` of the segment's rows (of these
        customers; None: every row)."""
        columns = select(
            SegmentMember.customer_id, SegmentMember.version, SegmentMember.left_at
        ).where(SegmentMember.segment_id == segment_id)
        statements = (
            [columns]
            if customer_ids is None
            else [columns.where(SegmentMember.customer_id.in_(c)) for c in _chunks(customer_ids)]
        )
        stored: dict[str, tuple[int, bool]] = {}
        for statement in statements:
            for customer_id, version, left_at in await self.session.execute(statement):
                stored[customer_id] = (version, left_at is None)
        return stored

    async def write_joins(
        self, segment_id: str, joins: dict[str, int], new: Collection[str], now: datetime
    ) -> None:
        """Insert the first joins, re-open the rows of those who come back (one statement
        each, whatever the number)."""
        table = table_of(SegmentMember)
        inserted = [
            {"segment_id": segment_id, "customer_id": customer_id, "version": version,
             "joined_at": now, "left_at": None}
            for customer_id, version in joins.items() if customer_id in new
        ]  # fmt: skip
        if inserted:
            await self.session.execute(upsert(self.session, table), inserted)
        returning = [
            {"segment_id": segment_id, "customer_id": customer_id, "version": version,
             "joined_at": now, "left_at": None}
            for customer_id, version in joins.items() if customer_id not in new
        ]  # fmt: skip
        if returning:
            await self.session.execute(update(SegmentMember), returning)

    async def write_leaves(self, segment_id: str, leaves: dict[str, int], now: datetime) -> None:
        rows = [
            {"segment_id": segment_id, "customer_id": customer_id, "version": version,
             "left_at": now}
            for customer_id, version in leaves.items()
        ]  # fmt: skip
        if rows:
            await self.session.execute(update(SegmentMember), rows)

    async def delete_members(self, segment_id: str) -> None:
        await self.session.execute(
            table_of(SegmentMember).delete().where(SegmentMember.segment_id == segment_id)
        )

    async def everyone(self) -> list[Segment]:
        return await self.all(select(Segment).order_by(Segment.created_at, Segment.id))

    async def page(self, after: tuple[datetime, str] | None, limit: int) -> list[Segment]:
        order = (Segment.created_at, Segment.id)
        return await self.keyset_page(select(Segment), order, after=after, limit=limit)

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Segment)) or 0)

    def _members(self, segment_id: str) -> AnySelect:
        joined = SegmentMember.__table__.join(
            Profile.__table__, Profile.customer_id == SegmentMember.customer_id
        ).outerjoin(CustomerScore.__table__, CustomerScore.customer_id == Profile.customer_id)
        return (
            select(
                SegmentMember.customer_id,
                SegmentMember.joined_at,
                Profile.name,
                Profile.email,
                Profile.kind,
                CustomerScore.rfm_segment,
                CustomerScore.value_class,
                CustomerScore.churn_level,
                CustomerScore.monetary_total,
            )
            .select_from(joined)
            .where(SegmentMember.segment_id == segment_id, SegmentMember.left_at.is_(None))
            .order_by(SegmentMember.customer_id)
        )

    async def members(
        self, segment_id: str, after: str | None, limit: int | None
    ) -> list[MemberRow]:
        """The current members in customer id order (after ``after``; ``limit`` None:
        all of them, for the CSV export)."""
        statement = self._members(segment_id)
        if after is not None:
            statement = statement.where(beyond([SegmentMember.customer_id], [after]))
        if limit is not None:
            statement = statement.limit(limit)
        return [MemberRow(*row) for row in await self.session.execute(statement)]

    async def member_ids(self, segment_id: str) -> list[str]:
        statement = select(SegmentMember.customer_id).where(
            SegmentMember.segment_id == segment_id, SegmentMember.left_at.is_(None)
        )
        return list(await self.session.scalars(statement.order_by(SegmentMember.customer_id)))
