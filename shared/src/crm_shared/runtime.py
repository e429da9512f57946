"""What the HTTP edge may use of a running service, as a protocol.

:class:`crm_shared.service.ServiceRuntime` implements it. ``crm_shared.api`` depends on this
small module instead of on ``crm_shared.service`` (the composition root, which imports the
api), so the packages of ``crm_shared`` form no cycle.
"""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.db.audit import Actor
from crm_shared.db.uow import UnitOfWork
from crm_shared.settings import ServiceSettings


class Runtime(Protocol):
    @property
    def settings(self) -> ServiceSettings: ...

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]: ...

    # The read-only engine's sessions (SQLite: a second engine; PostgreSQL: the same pool,
    # without transactions).
    @property
    def read_session_factory(self) -> async_sessionmaker[AsyncSession]: ...

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        correlation_id: str | None = None,
        actor: Actor | None = None,
    ) -> UnitOfWork: ...

    async def readiness(self) -> dict[str, str]:
        """database, broker and workers: "ok" or why not."""
        ...

    def worker_status(self) -> dict[str, str]:
        """Each background worker: "ok", "stopped" or why it is not ready yet."""
        ...
