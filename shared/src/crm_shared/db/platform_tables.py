"""The tables every service database has besides its own: outbox, inbox, idempotency keys,
durable timers and the audit log.

They are defined as Core tables on the service's own metadata (each service has its own
``DeclarativeBase``), so the same definitions serve five databases.
"""

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crm_shared.db.model import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table
    idempotency_keys: Table
    timers: Table
    audit_entries: Table

    @property
    def all(self) -> tuple[Table, ...]:
        return (self.outbox, self.inbox, self.idempotency_keys, self.timers, self.audit_entries)


def define_platform_tables(metadata: MetaData) -> PlatformTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(128), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("key", String(128), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_unsent", "sent_at", "id"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("consumer", String(128), nullable=False),
        Column("processed_at", UTCDateTime, nullable=False),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("headers", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False, index=True),
    )
    return PlatformTables(
        outbox=outbox,
        inbox=inbox,
        idempotency_keys=idempotency_keys,
        timers=define_timers_table(metadata),
        audit_entries=define_audit_table(metadata),
    )


def define_timers_table(metadata: MetaData) -> Table:
    """Durable timers (see ``crm_shared.timers``): one row per (kind, key).

    ``due_at`` is when the service wants it to fire (what its handler is told); ``run_at``
    is when the worker next tries it: ``due_at`` at first, later the time of a retry.
    ``version`` goes up whenever the timer is scheduled again or moved, so that a worker
    never records a failure against a newer schedule of the same timer."""
    return Table(
        "timers",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("kind", String(128), nullable=False),
        Column("key", String(255), nullable=False),
        Column("due_at", UTCDateTime, nullable=False),
        Column("run_at", UTCDateTime, nullable=False),
        Column("payload", JSON, nullable=False),
        Column("state", String(16), nullable=False),  # pending, done, failed
        Column("version", Integer, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=True),
        Column("correlation_id", String(64), nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("finished_at", UTCDateTime, nullable=True),
        UniqueConstraint("kind", "key", name="uq_timers_kind_key"),
        Index("ix_timers_due", "state", "run_at"),
    )


def define_audit_table(metadata: MetaData) -> Table:
    """The audit log (``crm_shared.db.audit``): one row per change of one record, written in
    the transaction of the change. ``changes`` is ``{field: [old, new]}``; ``request_id`` is
    the correlation id of the request (or event, or timer) that made it. Read per record
    (``record_id``, in ``id`` order) and purged by age (``occurred_at``)."""
    return Table(
        "audit_entries",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("occurred_at", UTCDateTime, nullable=False, index=True),
        Column("actor", String(255), nullable=False),
        Column("actor_kind", String(16), nullable=False),  # person, client, system, event
        Column("request_id", String(128), nullable=True),  # a caller's may be longer: cut
        Column("record_type", String(64), nullable=False),
        Column("record_id", String(64), nullable=False),
        Column("action", String(32), nullable=False),
        Column("changes", JSON, nullable=False),
        Index("ix_audit_entries_record", "record_id", "id"),
    )
