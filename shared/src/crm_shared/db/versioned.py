"""The version column that guards every record clients update, and a list's row count.

Every service's aggregates use these (the customer master, identity, sales, ...), so that
``ETag`` / ``If-Match`` mean the same everywhere.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from crm_shared.db.model import UTCDateTime

FIRST_VERSION = 1


class Versioned:
    """A record with an explicit version: the application sets it, SQLAlchemy guards it.

    A new record starts at :data:`FIRST_VERSION`. Every change step calls :meth:`touch`
    once, which sets the next version (and ``updated_at``) right away, so the event that
    step records carries its final version without a flush; several steps in one unit of
    work get distinct, increasing versions. The UPDATE still says ``WHERE version = <the
    version read>`` (``version_id_col``), so a concurrent writer makes it fail
    (``StaleDataError``, answered 412): no lost update.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (declared on the class)
        return {"version_id_col": cls.version, "version_id_generator": False}

    def touch(self, now: datetime) -> None:
        """One change step: the next version, stamped ``now``."""
        self.version += 1
        self.updated_at = now


async def count_rows(session: AsyncSession, statement: Select[Any]) -> int:
    """How many rows ``statement`` selects (for a list's ``total``, asked for)."""
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)
