"""All queries on customers."""

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crm_shared.auth.access import EVERYTHING, RecordScope
from crm_shared.contracts.customer import CustomerStatus
from crm_shared.db import RepositoryBase, table_of
from crm_shared.views.team_members import TeamMembersRepository, owner_within
from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    exists,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm.exc import StaleDataError

from crm_customer.customers.models import Customer, CustomerTag
from crm_customer.customers.normalize import fold, normalize_tags
from crm_customer.customers.search import (
    CHOICE_FILTERS,
    TEXT_FILTERS,
    CustomerFilter,
    Position,
    sort_column,
)
from crm_customer.db import count_rows, team_members
from crm_customer.lifecycle.models import LifecycleChange

ACTIVE = CustomerStatus.ACTIVE.value
KEYS_PER_QUERY = 5_000  # bound parameters of one IN (...): well below SQLite's and asyncpg's limits
ROWS_PER_INSERT = 1_000  # rows of one executemany


@dataclass(frozen=True)
class DuplicateGroup:
    matched_on: str
    key: str
    customer_ids: list[str]


class CustomerRepository(RepositoryBase[Customer]):
    model = Customer

    async def find_matches(
        self,
        *,
        email_normalized: str | None,
        phone: str | None,
        name_key: str | None,
        exclude_id: str | None = None,
        scope: RecordScope = EVERYTHING,
    ) -> list[Customer]:
        """Active customers sharing the e-mail, the phone or the name+company key (among
        those ``scope`` reaches: a create's warning names no one else's customer)."""
        conditions: list[ColumnElement[bool]] = []
        if email_normalized:
            conditions.append(Customer.email_normalized == email_normalized)
        if phone:
            conditions.append(Customer.phone == phone)
        if name_key:
            conditions.append(Customer.name_key == name_key)
        if not conditions:
            return []
        statement = within(select(Customer), scope).where(
            Customer.status == ACTIVE, or_(*conditions)
        )
        if exclude_id is not None:
            statement = statement.where(Customer.id != exclude_id)
        return await self.all(statement.order_by(Customer.created_at, Customer.id))

    async def reachable(self, customer_id: str, scope: RecordScope) -> bool:
        """Whether the customer exists and is within ``scope`` (one id-only query)."""
        statement = within(select(Customer.id).where(Customer.id == customer_id), scope)
        return await self.session.scalar(statement) is not None

    async def team_of(self, user_id: str) -> str | None:
        """The team an owner is on (None: no team, or a user this service has not heard of)."""
        return await TeamMembersRepository(self.session, team_members).team_of(user_id)

    async def by_external_id(self, external_id: str) -> Customer | None:
        return await self.first(select(Customer).where(Customer.external_id == external_id))

    # -- set-based reads and writes, for bulk work (the CSV import) ----------------------------

    async def ids_matching(
        self,
        *,
        external_ids: Collection[str] = (),
        emails_normalized: Collection[str] = (),
        phones: Collection[str] = (),
        scope: RecordScope = EVERYTHING,
    ) -> set[str]:
        """Ids of the customers within ``scope`` holding any of these external ids (any
        status), and of the active ones with any of these normalised e-mails or phones (as
        ``find_matches`` matches): one id-only query per key and KEYS_PER_QUERY keys."""
        found: set[str] = set()
        for column, keys, active_only in (
            (Customer.external_id, external_ids, False),
            (Customer.email_normalized, emails_normalized, True),
            (Customer.phone, phones, True),
        ):
            for part in _chunks(sorted(set(keys)), KEYS_PER_QUERY):
                statement = within(select(Customer.id).where(column.in_(part)), scope)
                if active_only:
                    statement = statement.where(Customer.status == ACTIVE)
                found.update(await self.session.scalars(statement))
        return found

    async def external_ids_out_of_reach(
        self, external_ids: Collection[str], scope: RecordScope
    ) -> set[str]:
        """Which of these external ids customers outside ``scope`` hold (an external id is
        unique across the organisation, so nobody may take one of them)."""
        if scope.everything:
            return set()
        outside = ~owner_within(scope, Customer.owner, team_members)
        taken: set[str] = set()
        for part in _chunks(sorted(set(external_ids)), KEYS_PER_QUERY):
            statement = select(Customer.external_id).where(Customer.external_id.in_(part), outside)
            taken.update(value for value in await self.session.scalars(statement) if value)
        return taken

    async def teams_of(self, user_ids: Collection[str]) -> dict[str, str | None]:
        """The team of each of these owners (None: no team, or not heard of)."""
        teams: dict[str, str | None] = dict.fromkeys(user_ids)
        for part in _chunks(sorted(teams), KEYS_PER_QUERY):
            statement = select(team_members.c.user_id, team_members.c.team_id).where(
                team_members.c.user_id.in_(part)
            )
            teams.update(
                (row.user_id, row.team_id) for row in await self.session.execute(statement)
            )
        return teams

    async def by_ids(
        self, ids: Collection[str], *, lock: bool = False, scope: RecordScope = EVERYTHING
    ) -> list[Customer]:
        """Customers with these ids (those within ``scope``), any status, with their tags and
        consent: one query per KEYS_PER_QUERY ids. ``lock``: FOR UPDATE (PostgreSQL; on
        SQLite the writer holds the whole database anyway), so that no one changes them
        before the caller commits."""
        found: list[Customer] = []
        for part in _chunks(sorted(set(ids)), KEYS_PER_QUERY):
            statement = within(select(Customer).where(Customer.id.in_(part)), scope)
            if lock:  # in id order: two imports locking the same rows queue, not deadlock
                statement = statement.order_by(Customer.id).with_for_update()
            found.extend(await self.all(statement))
        return found

    async def insert_new(
        self, customers: Sequence[Customer], history: Sequence[dict[str, Any]]
    ) -> None:
        """Write new customers, their tags and their first lifecycle history rows (the
        :class:`LifecycleChange` columns, without ``id``) with multi-row INSERTs, bypassing
        the ORM unit of work: the objects are built transient (never added to the session)
        and stay so; nothing here loads them back."""
        rows = [_column_values(customer) for customer in customers]
        tags = [
            {"customer_id": customer.id, "tag": row.tag}
            for customer in customers
            for row in customer.tag_rows
        ]
        for table, values in (
            (table_of(Customer), rows),
            (table_of(CustomerTag), tags),
            (table_of(LifecycleChange), list(history)),
        ):
            for part in _chunks(values, ROWS_PER_INSERT):
                await self.session.execute(insert(table), part)

    def detach(self, customers: Iterable[Customer]) -> None:
        """Take loaded customers (with their tags and consent) out of the session: changes
        made to them from now on are written by :meth:`write_changes`, and the commit's
        flush no longer looks at them."""
        for customer in customers:
            self.session.expunge(customer)

    async def write_changes(self, customers: Iterable[Customer]) -> int:
        """The set-based counterpart of the ORM flush for detached customers: the changed
        columns of those whose version moved, one executemany UPDATE per set of changed
        columns, each row guarded by the version it was read with (``StaleDataError`` if
        another writer got there first, as the ORM raises), then their tag changes.
        Returns how many customers it updated."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        removed_tags: list[dict[str, Any]] = []
        added_tags: list[dict[str, Any]] = []
        for customer in customers:
            state = inspect(customer)
            read_version = state.committed_state.get("version", customer.version)
            if read_version == customer.version:
                continue  # not changed (a change step always moves the version)
            values = {
                key: state.dict[key]
                for key, before in state.committed_state.items()
                if key in _column_keys() and state.dict[key] != before
            }
            groups.setdefault(tuple(sorted(values)), []).append(
                {**values, "_id": customer.id, "_read_version": read_version}
            )
            history = state.attrs.tag_rows.history
            before_tags = {row.tag for row in (*history.unchanged, *history.deleted)}
            after_tags = {row.tag for row in customer.tag_rows}
            removed_tags += [{"_id": customer.id, "_tag": t} for t in before_tags - after_tags]
            added_tags += [{"customer_id": customer.id, "tag": t} for t in after_tags - before_tags]
        table, tags = table_of(Customer), table_of(CustomerTag)
        for columns, rows in groups.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .where(table.c.version == bindparam("_read_version"))
                .values({column: bindparam(column) for column in columns})
            )
            connection = await self.session.connection()
            for part in _chunks(rows, ROWS_PER_INSERT):
                updated = (await connection.execute(statement, list(part))).rowcount
                if 0 <= updated < len(part):  # -1: the driver does not count executemany
                    raise StaleDataError(
                        f"customers changed by another writer during the import: "
                        f"{len(part) - updated} of {len(part)} updates matched no row"
                    )
        for part in _chunks(removed_tags, ROWS_PER_INSERT):
            await self.session.execute(
                delete(tags).where(
                    tags.c.customer_id == bindparam("_id"), tags.c.tag == bindparam("_tag")
                ),
                list(part),
            )
        for part in _chunks(added_tags, ROWS_PER_INSERT):
            await self.session.execute(insert(tags), list(part))
        return sum(len(rows) for rows in groups.values())

    async def aliases_of(self, survivor_id: str) -> list[Customer]:
        """Records merged into this one (directly; a merge always points at a survivor)."""
        return await self.all(select(Customer).where(Customer.merged_into == survivor_id))

    async def search(
        self,
        filters: CustomerFilter,
        phone: str | None,
        after: Position | None,
        limit: int,
        scope: RecordScope,
    ) -> list[Customer]:
        key = getattr(Customer, sort_column(filters.sort))
        return await self.keyset_page(
            within(self._filtered(filters, phone), scope),
            (key, Customer.id),
            after=(after.key, after.id) if after is not None else None,
            limit=limit,
            descending=filters.sort.value.startswith("-"),
        )

    async def count(self, filters: CustomerFilter, phone: str | None, scope: RecordScope) -> int:
        return await count_rows(self.session, within(self._filtered(filters, phone), scope))

    async def duplicate_groups(self, limit: int, scope: RecordScope) -> list[DuplicateGroup]:
        """Groups among the customers within ``scope`` only: a rep's report names none of
        another rep's customers."""
        groups: list[DuplicateGroup] = []
        for matched_on, column in (
            ("email", Customer.email_normalized),
            ("phone", Customer.phone),
            ("name_company", Customer.name_key),
        ):
            groups.extend(await self._groups_by(matched_on, column, limit - len(groups), scope))
        return groups

    async def _groups_by(
        self, matched_on: str, column: Any, limit: int, scope: RecordScope
    ) -> list[DuplicateGroup]:
        if limit <= 0:
            return []
        keys = await self.session.scalars(
            within(select(column), scope)
            .where(Customer.status == ACTIVE, column.is_not(None))
            .group_by(column)
            .having(func.count() > 1)
            .order_by(column)
            .limit(limit)
        )
        groups = []
        for key in keys:
            ids = await self.session.scalars(
                within(select(Customer.id), scope)
                .where(Customer.status == ACTIVE, column == key)
                .order_by(Customer.created_at, Customer.id)
            )
            groups.append(DuplicateGroup(matched_on, key, list(ids)))
        return groups

    def _filtered(self, filters: CustomerFilter, phone: str | None) -> Select[Any]:
        statement = select(Customer)
        for name, column in CHOICE_FILTERS.items():
            chosen: Sequence[str] = getattr(filters, name)
            if chosen:
                statement = statement.where(getattr(Customer, column).in_(list(chosen)))
        for name in TEXT_FILTERS:
            value = getattr(filters, name)
            if value is not None:
                statement = statement.where(func.lower(getattr(Customer, name)) == value.lower())
        if filters.name:
            statement = statement.where(
                Customer.name_folded.contains(fold(filters.name), autoescape=True)
            )
        if filters.email:
            statement = statement.where(Customer.email_normalized == filters.email.strip().lower())
        if phone is not None:
            statement = statement.where(Customer.phone == phone)
        for tag in normalize_tags(filters.tag):
            statement = statement.where(
                exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag == tag)
            )
        if filters.created_after is not None:
            statement = statement.where(Customer.created_at >= filters.created_after)
        if filters.created_before is not None:
            statement = statement.where(Customer.created_at < filters.created_before)
        if filters.updated_since is not None:
            statement = statement.where(Customer.updated_at >= filters.updated_since)
        return statement


def within(statement: Select[Any], scope: RecordScope) -> Select[Any]:
    """``statement`` limited to the customers ``scope`` reaches, by their owner
    (crm_shared.auth.access); unchanged for a caller who reaches everything."""
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Customer.owner, team_members))


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# (attribute, column, default) of every column of the customers table: a transient object
# holds only the attributes that were set; the others get the column's default (the JSON
# lists: []) or NULL.
def _default_of(column: Any) -> Callable[[], Any]:
    default = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


@functools.cache
def _columns() -> list[tuple[str, str, Callable[[], Any]]]:
    # Read on first use: the mapper is configured only once every model is imported.
    return [
        (attribute.key, attribute.columns[0].key, _default_of(attribute.columns[0]))
        for attribute in inspect(Customer).column_attrs
    ]


@functools.cache
def _column_keys() -> frozenset[str]:
    return frozenset(key for key, _, _ in _columns())


def _column_values(customer: Customer) -> dict[str, Any]:
    state = customer.__dict__
    return {
        column: state[key] if key in state else default() for key, column, default in _columns()
    }
