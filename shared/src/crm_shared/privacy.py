"""What a service must forget, besides its own tables, when a customer is erased.

Every unit of work that erases someone calls :func:`scrub_from_disk` (the customer master's
erasure and every consumer's erasure handler): once the unit has committed, the SQLite
write-ahead log is checkpointed and truncated, so that the person's data, already zeroed in
the database file (``secure_delete``, see ``crm_shared.db.engine``), is gone from the WAL too.

Two platform tables keep copies of personal data for a while: the outbox keeps sent events
for replay, and the idempotency table keeps create responses for retries. Erasure removes
the erased customer's traces from both, in the erasing transaction. Dropping the sent
events is also what a replay needs: it then rebuilds the customer as the tombstone the
erased event describes, not as the person they were. Unsent events stay (the erased event
among them must still go out): once the erasure has committed, the same is done again for
the events that were on their way (published, but not yet marked sent, or waiting for the
broker), a few times over a few minutes (:data:`FORGET_AGAIN_AFTER_SECONDS`) until none of
them is left; what a crash interrupts there, the outbox retention removes.

The audit log keeps old and new values of every change: :func:`redact_audit` replaces the
person's values in their records' entries (those stored and those this unit writes) by
``[erased]``, in the erasing transaction; who changed what and when stays.
"""

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.db.audit_log import redact_stored_entries
from crm_shared.db.engine import checkpoint_wal
from crm_shared.db.platform_tables import PlatformTables
from crm_shared.db.uow import UnitOfWork
from crm_shared.logging import describe_error

log = logging.getLogger(__name__)


def scrub_from_disk(uow: UnitOfWork) -> None:
    """Checkpoint and truncate the WAL of ``uow``'s database once ``uow`` has committed (not
    if it rolls back). Call it in every unit of work that erases personal data. A no-op on
    PostgreSQL, whose old row versions go at the next (auto)vacuum and whose WAL segments
    are recycled by the server: nothing a service can do per erasure (see the README)."""
    bind = uow.session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    if engine.dialect.name != "sqlite":
        return

    async def checkpoint() -> None:
        # The erasure is committed whatever happens here: a failure is reported, not raised
        # (it would turn a done erasure into an error answer, or a consumer's retry).
        try:
            await checkpoint_wal(engine)
        except Exception as error:
            log.warning("WAL checkpoint after an erasure failed: %s", describe_error(error))

    uow.after_commit(checkpoint)


# Pauses before each later pass over the events that were on their way at the erasure (the
# relay marks what it sent within a moment; a broker outage may hold them for minutes).
FORGET_AGAIN_AFTER_SECONDS = (1.0, 5.0, 30.0, 120.0, 600.0)
_pending: set[asyncio.Task[None]] = set()  # the later passes running (kept from the GC)


async def forget_subjects(uow: UnitOfWork, customer_ids: Sequence[str]) -> None:
    if not customer_ids:
        return
    outbox = uow.tables.outbox
    subjects = sorted(set(customer_ids))
    await uow.session.execute(
        delete(outbox).where(outbox.c.key.in_(subjects), outbox.c.sent_at.is_not(None))
    )
    on_their_way = select(func.count()).where(
        outbox.c.key.in_(subjects), outbox.c.sent_at.is_(None)
    )
    if await uow.session.scalar(on_their_way):

        async def later() -> None:
            task = asyncio.create_task(
                _forget_sent_later(uow.session_factory, uow.tables, subjects)
            )
            _pending.add(task)
            task.add_done_callback(_pending.discard)

        uow.after_commit(later)
    # Stored responses are opaque bytes (LIKE on a blob is not portable) and live only for
    # CRM_IDEMPOTENCY_RETENTION_HOURS, so they are searched here rather than in SQL.
    keys = uow.tables.idempotency_keys
    needles = [customer_id.encode() for customer_id in customer_ids]
    stored = await uow.session.execute(select(keys.c.key, keys.c.body))
    mentioning = [key for key, body in stored if any(needle in body for needle in needles)]
    if mentioning:
        await uow.session.execute(delete(keys).where(keys.c.key.in_(mentioning)))


async def redact_audit(
    uow: UnitOfWork, record_type: str, record_ids: Sequence[str], kept: frozenset[str]
) -> None:
    """After an erasure: every value of these records' audit entries outside ``kept`` (the
    fields the tombstone keeps, which name nobody) becomes ``[erased]``, in the entries
    already stored and in those this unit of work writes at its commit (the erasure's own)."""
    uow.audit.forget(record_type, record_ids, kept)
    await redact_stored_entries(uow, record_type, record_ids, kept)


async def _forget_sent_later(
    session_factory: async_sessionmaker[AsyncSession], tables: PlatformTables, keys: list[str]
) -> None:
    """Drop the erased subjects' events that have been sent since the erasure, until none
    is on its way any more (or the passes run out: the outbox retention then does it)."""
    outbox = tables.outbox
    sent = outbox.c.key.in_(keys) & outbox.c.sent_at.is_not(None)
    unsent = outbox.c.key.in_(keys) & outbox.c.sent_at.is_(None)
    for pause in FORGET_AGAIN_AFTER_SECONDS:
        await asyncio.sleep(pause)
        try:
            async with session_factory() as session:
                dropped = await session.execute(delete(outbox).where(sent))
                waiting = await session.scalar(select(func.count()).where(unsent))
                await session.commit()
                bind = session.get_bind()
            if dropped.rowcount:  # type: ignore[attr-defined]
                await checkpoint_wal(bind.engine if isinstance(bind, Connection) else bind)
        except Exception as error:  # the retention is the fallback; nothing to raise to
            log.warning("forgetting sent events after an erasure: %s", describe_error(error))
            continue
        if not waiting:
            return
