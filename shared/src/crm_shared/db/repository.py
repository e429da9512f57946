"""A generic repository: the queries every aggregate needs, so concrete ones add only theirs."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M")


class RepositoryBase(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: Any, *, for_update: bool = False) -> M | None:
        return await self.session.get(self.model, id_, with_for_update=for_update)

    async def get_many(self, ids: Sequence[Any]) -> list[M]:
        if not ids:
            return []
        pk = self.model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
        result = await self.session.scalars(select(self.model).where(pk.in_(ids)))
        return list(result)

    def add(self, instance: M) -> M:
        self.session.add(instance)
        return instance

    async def flush(self) -> None:
        await self.session.flush()

    async def all(self, statement: Select[Any]) -> list[M]:
        return list(await self.session.scalars(statement))

    async def first(self, statement: Select[Any]) -> M | None:
        return (await self.session.scalars(statement.limit(1))).first()

    async def keyset_page(
        self,
        statement: Select[Any],
        order: Sequence[SQLColumnExpression[Any]],
        *,
        after: Sequence[Any] | None,
        limit: int,
        descending: bool = False,
    ) -> list[M]:
        """One page of ``statement`` sorted by ``order`` (the last column unique, e.g. the id,
        so that ties never lose or repeat a row between pages), starting after the row whose
        ``order`` values were ``after`` (``None``: the first page). No OFFSET: every page
        costs the same, and rows written meanwhile do not shift the pages."""
        if after is not None:
            statement = statement.where(beyond(order, after, descending=descending))
        ordering = [column.desc() for column in order] if descending else list(order)
        return await self.all(statement.order_by(*ordering).limit(limit))


def beyond(
    order: Sequence[SQLColumnExpression[Any]], values: Sequence[Any], *, descending: bool = False
) -> ColumnElement[bool]:
    """``(a, b) > (x, y)`` spelled out (``a > x OR (a = x AND b > y)``): portable, and each
    branch can use an index on the sort columns."""
    pairs = list(zip(order, values, strict=True))
    column, value = pairs[-1]
    condition: ColumnElement[bool] = column < value if descending else column > value
    for column, value in reversed(pairs[:-1]):
        step = column < value if descending else column > value
        condition = or_(step, and_(column == value, condition))
    return condition
