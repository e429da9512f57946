"""A generic repository: the queries every aggregate needs, so concrete ones add only theirs."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
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
