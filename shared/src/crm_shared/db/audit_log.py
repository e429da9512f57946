"""The stored audit log: read a record's entries, redact them after an erasure, purge old ones.

The entries are written by the unit of work (:mod:`crm_shared.db.audit`); this module holds
every other statement on the ``audit_entries`` table.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, update

from crm_shared.cursors import Slice, integer, position_of, slice_of
from crm_shared.db.audit import redacted
from crm_shared.db.repository import beyond
from crm_shared.db.uow import UnitOfWork

# Entries are listed in the order they were written (their id): a record's history.
AUDIT_ORDER = (("id", integer),)


async def audit_page(
    uow: UnitOfWork,
    *,
    record_id: str | None,
    record_type: str | None,
    actor: str | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
) -> Slice[Row[Any]]:
    """One page of the entries that match every filter given, oldest first."""
    table = uow.tables.audit_entries
    statement = select(table)
    if record_id is not None:
        statement = statement.where(table.c.record_id == record_id)
    if record_type is not None:
        statement = statement.where(table.c.record_type == record_type)
    if actor is not None:
        statement = statement.where(table.c.actor == actor)
    if since is not None:
        statement = statement.where(table.c.occurred_at >= since)
    after = position_of(cursor, AUDIT_ORDER)
    if after is not None:
        statement = statement.where(beyond([table.c.id], after))
    rows = (await uow.session.execute(statement.order_by(table.c.id).limit(limit + 1))).all()
    return slice_of(rows, limit, lambda row: (row.id,), AUDIT_ORDER)


async def redact_stored_entries(
    uow: UnitOfWork, record_type: str, record_ids: Sequence[str], kept: frozenset[str]
) -> None:
    """Replace every value outside ``kept`` in the stored entries of these records by
    :data:`~crm_shared.db.audit.ERASED`, in ``uow``'s transaction: one read, one
    executemany UPDATE (JSON rewriting in SQL differs between SQLite and PostgreSQL)."""
    if not record_ids:
        return
    table = uow.tables.audit_entries
    stored = await uow.session.execute(
        select(table.c.id, table.c.changes).where(
            table.c.record_type == record_type, table.c.record_id.in_(record_ids)
        )
    )
    rewritten = [
        {"entry_id": entry_id, "redacted": redacted(changes, kept)}
        for entry_id, changes in stored
        if changes
    ]
    if rewritten:
        statement = (
            update(table)
            .where(table.c.id == bindparam("entry_id"))
            .values(changes=bindparam("redacted"))
        )
        await uow.session.execute(statement, rewritten)


async def purge_audit_entries(uow: UnitOfWork, older_than: timedelta) -> int:
    """Delete the entries written more than ``older_than`` ago (the retention period)."""
    table = uow.tables.audit_entries
    result = await uow.session.execute(
        delete(table).where(table.c.occurred_at < uow.clock.now() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
