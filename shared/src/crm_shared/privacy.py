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
among them must still go out).

The audit log keeps old and new values of every change: :func:`redact_audit` replaces the
person's values in their records' entries (those stored and those this unit writes) by
``[erased]``, in the erasing transaction; who changed what and when stays.
"""

import logging
from collections.abc import Sequence

from sqlalchemy import Connection, delete, select

from crm_shared.db.audit_log import redact_stored_entries
from crm_shared.db.engine import checkpoint_wal
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


async def forget_subjects(uow: UnitOfWork, customer_ids: Sequence[str]) -> None:
    if not customer_ids:
        return
    outbox = uow.tables.outbox
    await uow.session.execute(
        delete(outbox).where(outbox.c.key.in_(customer_ids), outbox.c.sent_at.is_not(None))
    )
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
