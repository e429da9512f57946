"""The tables every service database has besides its own: outbox, inbox, idempotency keys.

They are defined as Core tables on the service's own metadata (each service has its own
``DeclarativeBase``), so the same definitions serve five databases.
"""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from crm_shared.db.model import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table
    idempotency_keys: Table

    @property
    def all(self) -> tuple[Table, ...]:
        return (self.outbox, self.inbox, self.idempotency_keys)


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
    return PlatformTables(outbox=outbox, inbox=inbox, idempotency_keys=idempotency_keys)
