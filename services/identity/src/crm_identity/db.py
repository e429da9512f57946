"""The declarative base of the identity database (its own metadata, its own database), and
the version column that guards every record admins update."""

from datetime import datetime
from typing import Any

from crm_shared.db import NAMING_CONVENTION, UTCDateTime, define_platform_tables
from sqlalchemy import Integer, MetaData, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

FIRST_VERSION = 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """A record with an explicit version (as in the customer master): each change step
    calls :meth:`touch`; the UPDATE says ``WHERE version = <read>``, so no lost update."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (declared on the class)
        return {"version_id_col": cls.version, "version_id_generator": False}

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


async def count_rows(session: AsyncSession, statement: Select[Any]) -> int:
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


platform_tables = define_platform_tables(Base.metadata)
