"""A service's own copy of the customer master, built from the events on ``crm.customer``.

Sales, support and marketing each keep one in their own database. They share one table
shape (:func:`define_customer_view_table`); each service names the optional fields it keeps
(:class:`CustomerView`) and the columns it does not keep stay null and are not served.

A row is one of three things (``status``):
- ``active``: the customer as of ``customer_version``, the last version applied (the guard
  that makes replays, duplicates and late events no-ops);
- ``merged``: an alias of another customer (``merged_into``); reads follow the pointer;
- ``erased``: a tombstone with no personal data; no later event changes it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from crm_shared.auth.access import RecordScope
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db.model import NAMING_CONVENTION, UTCDateTime
from crm_shared.db.repository import beyond
from crm_shared.views.team_members import owner_within

TABLE_NAME = "customer_view"
SYNC_INDEX = f"ix_{TABLE_NAME}_updated_at_id"
EXTERNAL_ID_INDEX = f"ix_{TABLE_NAME}_external_id"

# Every view has these; they are what a tombstone or an alias keeps, plus the basics.
CORE_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "name",
    "lifecycle_stage",
    "status",
    "merged_into",
    "customer_version",
    "updated_at",
)
# A service chooses among these (``value_class`` comes from analytics later; no customer
# event sets it yet).
OPTIONAL_FIELDS: tuple[str, ...] = (
    "email",
    "phone",
    "company",
    "credit_grade",
    "operating_grade",
    "owner",
    "value_class",
    "tags",
    "consent",
    "external_id",  # only in a table defined with it (define_customer_view_table)
    "birth_date",  # likewise (marketing's birthday greetings)
    "postal_address",  # likewise (marketing's direct mail)
    "time_zone",  # likewise (marketing's quiet hours and greetings in the customer's zone)
)
# What an erased customer or a merged alias keeps: the id, the pointer and the bookkeeping.
# Everything else is set to null (an alias's data lives on in the survivor's record).
TOMBSTONE_FIELDS: frozenset[str] = frozenset(
    {"id", "status", "merged_into", "customer_version", "updated_at"}
)
SCRUBBED: dict[str, None] = {
    name: None for name in (*CORE_FIELDS, *OPTIONAL_FIELDS) if name not in TOMBSTONE_FIELDS
}

# A chain of merges (A into B, later B into C) is followed this far, then reads stop.
MAX_MERGE_HOPS = 16


def define_customer_view_table(
    metadata: MetaData,
    *,
    external_id: bool = False,
    birth_date: bool = False,
    postal_address: bool = False,
    time_zone: bool = False,
) -> Table:
    """``external_id``: with the customer's id in the system it came from (an ERP), indexed,
    for a service that resolves imported rows by it (sales' order history import).
    ``birth_date``: with the customer's birth date (marketing's birthday greetings).
    ``postal_address``: with the customer's postal address, a JSON object (marketing's direct
    mail). ``time_zone``: with the customer's IANA time zone (marketing's quiet hours and
    greetings). All came after the shape was released: a service that keeps one adds its column in
    a migration of its own (:func:`add_customer_view_external_id`,
    :func:`add_customer_view_birth_date`, :func:`add_customer_view_postal_address`,
    :func:`add_customer_view_time_zone`)."""
    extra: list[Any] = (
        [
            Column("external_id", String(100), nullable=True),
            Index(EXTERNAL_ID_INDEX, "external_id"),
        ]
        if external_id
        else []
    )
    if birth_date:
        extra.append(Column("birth_date", Date, nullable=True))
    if postal_address:
        extra.append(Column("postal_address", JSON, nullable=True))
    if time_zone:
        extra.append(Column("time_zone", String(64), nullable=True))
    return Table(
        TABLE_NAME,
        metadata,
        Column("id", String(128), primary_key=True),
        Column("kind", String(16), nullable=True),
        Column("name", Text, nullable=True),
        Column("email", Text, nullable=True),
        Column("phone", Text, nullable=True),
        Column("company", Text, nullable=True),
        Column("lifecycle_stage", String(16), nullable=True),
        Column("status", String(16), nullable=False),
        Column("merged_into", String(128), nullable=True),
        Column("credit_grade", String(1), nullable=True),
        Column("operating_grade", String(16), nullable=True),
        Column("owner", Text, nullable=True),
        Column("value_class", String(32), nullable=True),
        Column("tags", JSON, nullable=True),
        Column("consent", JSON, nullable=True),
        Column("customer_version", Integer, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Index(f"ix_{TABLE_NAME}_status_id", "status", "id"),
        Index(f"ix_{TABLE_NAME}_lifecycle_stage", "lifecycle_stage"),
        Index(SYNC_INDEX, "updated_at", "id"),
        *extra,
    )


def add_customer_view_external_id(op: Any) -> None:
    """The ``external_id`` column and its index, in the migration of a view that keeps it."""
    op.add_column(TABLE_NAME, Column("external_id", String(100), nullable=True))
    op.create_index(EXTERNAL_ID_INDEX, TABLE_NAME, ["external_id"])


def add_customer_view_birth_date(op: Any) -> None:
    op.add_column(TABLE_NAME, Column("birth_date", Date, nullable=True))


def drop_customer_view_birth_date(op: Any) -> None:
    op.drop_column(TABLE_NAME, "birth_date")


def add_customer_view_postal_address(op: Any) -> None:
    op.add_column(TABLE_NAME, Column("postal_address", JSON, nullable=True))


def drop_customer_view_postal_address(op: Any) -> None:
    op.drop_column(TABLE_NAME, "postal_address")


def add_customer_view_time_zone(op: Any) -> None:
    op.add_column(TABLE_NAME, Column("time_zone", String(64), nullable=True))


def drop_customer_view_time_zone(op: Any) -> None:
    op.drop_column(TABLE_NAME, "time_zone")


def drop_customer_view_external_id(op: Any) -> None:
    op.drop_index(EXTERNAL_ID_INDEX, table_name=TABLE_NAME)
    op.drop_column(TABLE_NAME, "external_id")


def create_customer_view_table(op: Any) -> None:
    """Create the view table in a service's migration (the way ``create_platform_tables``
    does). The shape is frozen once released: a change needs a new migration in each
    service, not an edit here."""
    define_customer_view_table(MetaData(naming_convention=NAMING_CONVENTION)).create(op.get_bind())


def create_customer_view_sync_index(op: Any) -> None:
    """The (updated_at, id) index of incremental sync, added in each view's revision 0003; a
    view created since (revision 0001 creates the table as defined here) has it already."""
    op.create_index(SYNC_INDEX, TABLE_NAME, ["updated_at", "id"], if_not_exists=True)


def drop_customer_view_sync_index(op: Any) -> None:
    op.drop_index(SYNC_INDEX, table_name=TABLE_NAME, if_exists=True)


def drop_customer_view_table(op: Any) -> None:
    define_customer_view_table(MetaData(naming_convention=NAMING_CONVENTION)).drop(op.get_bind())


@dataclass(frozen=True)
class CustomerView:
    """One service's customer view: the table and the optional fields the service keeps."""

    table: Table
    keeps: frozenset[str]
    # The service's team members table, where its callers' reach follows the customer's
    # owner (crm_shared.auth.access: a sales rep reaches their own, their teams' and the
    # pool); None where every caller of the view reaches every customer.
    owners_scoped_by: Table | None = None

    def __post_init__(self) -> None:
        unknown = sorted(self.keeps - set(OPTIONAL_FIELDS))
        if unknown:
            raise ValueError(f"not optional customer view fields: {', '.join(unknown)}")

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields this service stores and serves, in table order."""
        return tuple(
            column.name
            for column in self.table.columns
            if column.name in CORE_FIELDS or column.name in self.keeps
        )

    def only_kept(self, values: dict[str, Any]) -> dict[str, Any]:
        """Drop the optional fields this service does not keep."""
        return {k: v for k, v in values.items() if k in CORE_FIELDS or k in self.keeps}

    def public(self, row: dict[str, Any]) -> dict[str, Any]:
        return {name: row[name] for name in self.fields}

    def repository(self, session: AsyncSession) -> "CustomerViewRepository":
        return CustomerViewRepository(session, self.table)

    def reach(self, scope: RecordScope) -> ColumnElement[bool] | None:
        """The WHERE clause of the customers ``scope`` reaches; None for all of them."""
        if self.owners_scoped_by is None or scope.everything:
            return None
        return owner_within(scope, self.table.c.owner, self.owners_scoped_by)


@dataclass(frozen=True)
class ViewFilter:
    status: str
    name: str | None = None
    stage: str | None = None
    updated_since: datetime | None = None
    reach: ColumnElement[bool] | None = None  # CustomerView.reach of the caller


class CustomerViewRepository:
    """All the SQL of a customer view. Rows are plain dicts of column values."""

    def __init__(self, session: AsyncSession, table: Table) -> None:
        self.session = session
        self.table = table

    async def get(self, customer_id: str) -> dict[str, Any] | None:
        statement = select(self.table).where(self.table.c.id == customer_id)
        row = (await self.session.execute(statement)).mappings().first()
        return dict(row) if row is not None else None

    async def resolve(self, customer_id: str) -> dict[str, Any] | None:
        """The row for an id, following merge pointers to the surviving record. A pointer to a
        customer this view does not have (yet) stops at the alias row itself."""
        row = await self.get(customer_id)
        seen = {customer_id}
        while row is not None and row["status"] == "merged" and row["merged_into"] is not None:
            target_id = row["merged_into"]
            if target_id in seen or len(seen) > MAX_MERGE_HOPS:
                break
            target = await self.get(target_id)
            if target is None:
                break
            seen.add(target_id)
            row = target
        return row

    async def within(self, customer_id: str, reach: ColumnElement[bool]) -> bool:
        statement = select(self.table.c.id).where(self.table.c.id == customer_id, reach)
        return await self.session.scalar(statement) is not None

    def _matching(self, where: ViewFilter) -> Select[Any]:
        table = self.table
        statement = select(table).where(table.c.status == where.status)
        if where.reach is not None:
            statement = statement.where(where.reach)
        if where.name is not None:
            statement = statement.where(
                func.lower(table.c.name).contains(where.name.lower(), autoescape=True)
            )
        if where.stage is not None:
            statement = statement.where(table.c.lifecycle_stage == where.stage)
        if where.updated_since is not None:
            statement = statement.where(table.c.updated_at >= where.updated_since)
        return statement

    def order(self, where: ViewFilter) -> list[ColumnElement[Any]]:
        """(updated_at, id) for a sync, else id."""
        if where.updated_since is not None:
            return [self.table.c.updated_at, self.table.c.id]
        return [self.table.c.id]

    async def list(
        self, where: ViewFilter, *, limit: int, after: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows in :meth:`order`, after the position ``after``."""
        order = self.order(where)
        statement = self._matching(where).order_by(*order).limit(limit)
        if after is not None:
            statement = statement.where(beyond(order, after))
        rows = (await self.session.execute(statement)).mappings()
        return [dict(row) for row in rows]

    async def count(self, where: ViewFilter) -> int:
        counted = select(func.count()).select_from(self._matching(where).subquery())
        return int(await self.session.scalar(counted) or 0)


BY_ID = (("id", text),)
BY_CHANGE = (("updated_at", instant), ("id", text))


async def list_customers(
    repository: CustomerViewRepository,
    where: ViewFilter,
    *,
    limit: int,
    cursor: str | None,
    with_total: bool,
) -> Slice[dict[str, Any]]:
    """One page of the view's customers; with ``updated_since``, oldest change first."""
    fields = BY_CHANGE if where.updated_since is not None else BY_ID
    after = position_of(cursor, fields)
    rows = await repository.list(where, limit=limit + 1, after=after)
    total = await repository.count(where) if with_total else None
    return slice_of(rows, limit, lambda row: [row[name] for name, _ in fields], fields, total)
