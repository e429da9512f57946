"""CSV import: good rows kept, bad rows reported with their line; set-based.

A row is matched to an existing customer, in this order, by ``id``, by ``external_id``,
by normalised e-mail, by phone in E.164 (a match on a merged alias goes to its survivor;
by e-mail or phone only active customers match, the oldest first).
- matched: the row's non-empty cells update the record (empty cells never clear a value;
  ``lifecycle_stage`` is ignored, stages move only by their transitions); a row that would
  change nothing counts as skipped — so importing the same file twice changes nothing;
- not matched: a new customer (source ``import`` unless the row says otherwise), with its
  first lifecycle history row and one ``crm.customer.created.v1``.
Rows are applied in file order, so a row also matches the customers earlier rows of the same
file created or changed: a file that names the same customer twice creates it once, and the
second row updates it (or is skipped).

How, without a round trip per row: every row is read, checked and normalised first; then
the ids of the customers any row could match are found with one id-only query per key
(external ids, e-mails, phones; ``IN (...)`` of up to 5,000 keys), and those customers (and
the merge survivors among them) loaded in one query per 5,000 ids, locked until the commit
(FOR UPDATE on PostgreSQL; SQLite's writer holds the database) and detached from the
session. The rows are then matched and applied in memory, in file order, against them and
the customers created so far, with the customer service's own rules (``apply_fields``,
``record_update``: the next version and its event). At the end, new customers are written
with one multi-row INSERT per table (customers, tags, lifecycle history) and 1,000 rows,
changed ones with one executemany UPDATE per set of changed columns (guarded by the version
read), and the unit of work writes every event in one outbox statement. A bad row is refused
before it changes anything.

The whole file is one transaction, with the Idempotency-Key's stored response, as before:
its good rows are committed together, or none of them. A malformed file (not UTF-8, a bad
header, an unclosed quote, a cell over ``import_max_cell_chars``: see ``reading``) is refused
whole, with its line and column, before anything is written; a cell with a control character
refuses its row only.
"""

import asyncio
import functools
import heapq
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from crm_shared.auth.access import EVERYTHING, RecordScope
from crm_shared.contact_keys import InvalidPhoneNumberError, normalize_email, normalize_phone
from crm_shared.contracts.customer import CustomerCreated, CustomerStatus
from crm_shared.db import UnitOfWork
from crm_shared.db.audit import creation_changes, field_changes
from crm_shared.errors import ConflictError, DomainError
from pydantic import ValidationError

from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import CustomerCreate, CustomerUpdate, flatten
from crm_customer.customers.service import apply_fields, ensure_changeable, record_update
from crm_customer.db import FIRST_VERSION
from crm_customer.events import snapshot_of
from crm_customer.imports.columns import nest
from crm_customer.imports.reading import CsvRow, read_rows
from crm_customer.imports.schemas import ImportSummary, RowError
from crm_customer.settings import CustomerSettings

Outcome = Literal["created", "updated", "skipped"]
ACTIVE = CustomerStatus.ACTIVE.value
ROWS_BETWEEN_YIELDS = 500
# (created_at, id): find_matches' order. Ids are unique, so two entries are either ordered
# by them or are the same customer (equal tuples): customers are never compared by "<".
Candidate = tuple[datetime, str, Customer]


class RowRefusedError(Exception):
    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass
class Tally:
    counts: dict[Outcome, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "skipped": 0}
    )
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> ImportSummary:
        return ImportSummary(**self.counts, errors=self.errors)


@dataclass(frozen=True)
class ReadRow:
    """A row after the checks that need no database: cells trimmed, phone in E.164."""

    line: int
    cells: dict[str, str]
    phone: str | None
    email: str | None  # normalised, as matched


async def import_customers(
    uow: UnitOfWork,
    content: bytes,
    settings: CustomerSettings,
    actor: str | None,
    charge_rows: Callable[[int], None] = lambda rows: None,
    scope: RecordScope = EVERYTHING,
) -> ImportSummary:
    """``charge_rows`` is told the file's row count before anything is written: the caller's
    rate limit counts a bulk import by its rows, and may refuse it (by raising).

    ``scope``: the customers the caller reaches. A row matches only those (one naming the id
    of another is "no such customer", as a GET would answer; one sharing an e-mail or phone
    with another creates a customer of the caller's), takes no external id someone outside
    it holds, and names as owner only someone the caller may assign."""
    tally = Tally()
    ready: list[ReadRow] = []
    rows = read_rows(content, settings.import_max_cell_chars)
    charge_rows(len(rows))
    for number, row in enumerate(rows, 1):
        try:
            ready.append(_read(row, settings))
        except RowRefusedError as refused:
            tally.errors.append(RowError(line=row.line, errors=refused.errors))
        await _breathe(number)
    batch = ImportBatch(uow, settings, actor, scope)
    await batch.load(ready)
    for number, read in enumerate(ready, 1):
        try:
            tally.counts[batch.apply(read)] += 1
        except (RowRefusedError, DomainError) as refused:
            errors = refused.errors if isinstance(refused, RowRefusedError) else [refused.message]
            tally.errors.append(RowError(line=read.line, errors=errors))
        await _breathe(number)
    await batch.write()
    tally.errors.sort(key=lambda error: error.line)
    return tally.summary()


async def _breathe(rows_done: int) -> None:
    """Let the event loop serve others (health checks, reads, the relay) now and then: a
    large file is seconds of CPU between two database calls."""
    if rows_done % ROWS_BETWEEN_YIELDS == 0:
        await asyncio.sleep(0)


def _read(row: CsvRow, settings: CustomerSettings) -> ReadRow:
    if row.refusals:  # more cells than columns, control characters
        raise RowRefusedError(*row.refusals)
    cells = {column: cell.strip() for column, cell in row.cells.items() if cell.strip()}
    phone = _phone(cells.get("phone"), settings)
    return ReadRow(row.line, cells, phone, normalize_email(cells.get("email")))


class ImportBatch:
    """The customers a file's rows can match, in memory: those in the database that share a
    key with some row (loaded once), and those the file creates; kept current as rows
    change them, so that each row sees what the rows before it did."""

    def __init__(
        self,
        uow: UnitOfWork,
        settings: CustomerSettings,
        actor: str | None,
        scope: RecordScope = EVERYTHING,
    ) -> None:
        self.uow, self.settings, self.actor, self.scope = uow, settings, actor, scope
        self.taken_external_ids: set[str] = set()  # held by customers outside the scope
        self.owner_teams: dict[str, str | None] = {}
        self.repository = CustomerRepository(uow.session)
        self.by_id: dict[str, Customer] = {}
        self.by_external_id: dict[str, Customer] = {}  # may be stale: check the holder's value
        # Candidates by key, oldest first (heaps; entries are checked and dropped on use).
        self.by_email: dict[str, list[Candidate]] = {}
        self.by_phone: dict[str, list[Candidate]] = {}
        self.loaded: list[Customer] = []  # from the database, detached
        self.created: list[Customer] = []
        self.history: list[dict[str, Any]] = []

    async def load(self, rows: list[ReadRow]) -> None:
        """Every customer that a row can match or collide with, in one query per key, locked
        until the commit and detached from the session (``write`` saves their changes)."""
        ids = {row.cells["id"] for row in rows if "id" in row.cells}
        external_ids = {row.cells["external_id"] for row in rows if "external_id" in row.cells}
        emails = {row.email for row in rows if row.email}
        phones = {row.phone for row in rows if row.phone}
        repository = self.repository
        scope = self.scope
        ids |= await repository.ids_matching(
            external_ids=external_ids, emails_normalized=emails, phones=phones, scope=scope
        )
        found = await repository.by_ids(ids, lock=True, scope=scope)
        survivors = {c.merged_into for c in found if c.merged_into} - {c.id for c in found}
        found += await repository.by_ids(survivors, lock=True, scope=scope)
        self.taken_external_ids = await repository.external_ids_out_of_reach(external_ids, scope)
        if not scope.everything:
            owners = {row.cells["owner"] for row in rows if row.cells.get("owner")}
            self.owner_teams = await repository.teams_of(owners)
        self.loaded = list({customer.id: customer for customer in found}.values())
        repository.detach(self.loaded)
        for customer in self.loaded:
            self._index(customer)

    def apply(self, row: ReadRow) -> Outcome:
        """Create or update as the row says; refuses it (raises) before changing anything."""
        cells = dict(row.cells)
        self._check_reach(cells)
        existing = self._match(row)
        if existing is None:
            body = _validated(CustomerCreate, {"source": "import", **nest(cells)})
            self._create(body, row.phone)
            return "created"
        cells.pop("lifecycle_stage", None)
        update = _validated(CustomerUpdate, nest(cells))
        ensure_changeable(existing)
        if "external_id" in update.model_fields_set:
            self._ensure_external_id_free(existing, update.external_id)
        values = flatten(update, only_set=True)
        before = {name: _current(existing, name) for name in values}
        changed = apply_fields(existing, values, self.settings)
        record_update(self.uow, existing, changed)
        if changed:  # written by a set-based UPDATE, which no flush sees: noted here
            after = {name: _current(existing, name) for name in changed}
            self.uow.audit.note(
                "customer", existing.id, "changed", field_changes(Customer, before, after)
            )
        self._index(existing)
        return "updated" if changed else "skipped"

    async def write(self) -> None:
        """The new customers, with their tags and history rows, in multi-row INSERTs; the
        changed ones in an executemany UPDATE per set of changed columns."""
        await self.repository.insert_new(self.created, self.history)
        await self.repository.write_changes(self.loaded)

    def _check_reach(self, cells: dict[str, str]) -> None:
        """What a row may not do to records outside the caller's reach: take an external id
        one of them holds, or hand a record to an owner the caller may not assign."""
        if cells.get("external_id") in self.taken_external_ids:
            raise RowRefusedError(f"external_id: {cells['external_id']!r} is already in use")
        owner = cells.get("owner")
        if owner and not self.scope.may_assign(owner, self.owner_teams.get(owner)):
            raise RowRefusedError(
                f"owner: you may not make {owner!r} the owner (yourself, a member of a team "
                "you manage, or nobody)"
            )

    def _match(self, row: ReadRow) -> Customer | None:
        found: Customer | None = None
        if "id" in row.cells:
            found = self.by_id.get(row.cells["id"])
            if found is None:
                raise RowRefusedError(
                    f"id: no customer {row.cells['id']} exists (leave id empty to create)"
                )
        elif "external_id" in row.cells:
            found = self._holder(row.cells["external_id"])
        if found is None and row.email:
            found = _oldest_active(self.by_email.get(row.email, []), "email_normalized", row.email)
        if found is None and row.phone:
            found = _oldest_active(self.by_phone.get(row.phone, []), "phone", row.phone)
        if found is not None and found.status == CustomerStatus.MERGED and found.merged_into:
            found = self.by_id.get(found.merged_into)
        if found is not None and found.status == CustomerStatus.ERASED:
            raise RowRefusedError(f"customer {found.id} was erased and cannot be imported into")
        return found

    def _create(self, body: CustomerCreate, phone: str | None) -> None:
        """What ``customers.service.create_customer`` does, for a customer written later in
        bulk: no duplicate warnings (an import has nowhere to show them; its matching is its
        duplicate detection), external id known to be free (a holder would have matched)."""
        values = flatten(body, only_set=False)
        stage = values.pop("lifecycle_stage").value
        values.pop("phone")  # already normalised, by _read
        now = self.uow.clock.now()
        customer = new_customer(
            id=str(uuid.uuid4()),
            version=FIRST_VERSION,
            kind=body.kind.value,
            status=ACTIVE,
            lifecycle_stage=stage,
            phone=phone,
            created_at=now,
            updated_at=now,
            tag_rows=[],
            consent_records=[],  # none yet: the snapshot reads them without a query
        )
        apply_fields(customer, values, self.settings)
        self.created.append(customer)
        # Written by a multi-row INSERT, which no flush sees: its audit entry is noted here.
        changes = creation_changes(Customer, customer.__dict__)
        if customer.tags:
            changes["tags"] = [None, customer.tags]
        self.uow.audit.note("customer", customer.id, "imported", changes)
        self.history.append(
            {
                "customer_id": customer.id,
                "from_stage": None,
                "to_stage": stage,
                "transition": "created",
                "reason": "record created",
                "changed_by": self.actor,
                "changed_at": now,
            }
        )
        self.uow.record(
            CustomerCreated(
                customer_id=customer.id,
                customer_version=customer.version,
                customer=snapshot_of(customer),
            )
        )
        self._index(customer)

    def _holder(self, external_id: str) -> Customer | None:
        holder = self.by_external_id.get(external_id)
        return holder if holder is not None and holder.external_id == external_id else None

    def _ensure_external_id_free(self, customer: Customer, external_id: str | None) -> None:
        holder = self._holder(external_id) if external_id else None
        if holder is not None and holder is not customer:
            raise ConflictError(
                f"external_id {external_id!r} already belongs to customer {holder.id}",
                code="external-id-taken",
                customer_id=holder.id,
            )

    def _index(self, customer: Customer) -> None:
        """Make the customer findable by its current keys (old entries are checked on use)."""
        self.by_id[customer.id] = customer
        if customer.external_id:
            self.by_external_id[customer.external_id] = customer
        for index, key in (
            (self.by_email, customer.email_normalized),
            (self.by_phone, customer.phone),
        ):
            if key:
                candidate = (customer.created_at, customer.id, customer)
                heapq.heappush(index.setdefault(key, []), candidate)


class _NewCustomer:
    """A customer the import creates, until it is written in bulk: the attributes of a
    :class:`Customer` in a plain object, since filling the ~50 instrumented attributes of a
    mapped instance costs more than the rest of the row. The customer service's functions
    (``apply_fields``, ``snapshot_of``, ``record_update``) run on it unchanged; it borrows
    the model's own methods, and ``CustomerRepository.insert_new`` reads its ``__dict__``."""

    tags = Customer.tags
    set_tags = Customer.set_tags
    touch = Customer.touch

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(_blank(), **values)


def _current(customer: Customer, field: str) -> Any:
    return customer.tags if field == "tags" else getattr(customer, field)


@functools.cache
def _blank_columns() -> tuple[str, ...]:
    return tuple(column.key for column in Customer.__table__.columns)


def _blank() -> dict[str, Any]:
    return dict.fromkeys(_blank_columns())


def new_customer(**values: Any) -> Customer:
    """A new customer, not in the session: see :class:`_NewCustomer`."""
    return cast(Customer, _NewCustomer(**values))


def _oldest_active(candidates: list[Candidate], attribute: str, key: str) -> Customer | None:
    """As ``find_matches`` orders them: the oldest active customer still holding ``key``.
    Entries of customers that no longer qualify are dropped (one that qualifies again is
    pushed again by ``_index``)."""
    while candidates:
        customer = candidates[0][2]
        if customer.status == ACTIVE and getattr(customer, attribute) == key:
            return customer
        heapq.heappop(candidates)
    return None


def _phone(text: str | None, settings: CustomerSettings) -> str | None:
    try:
        return normalize_phone(text, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise RowRefusedError(f"phone: {error}") from error


def _validated(model: type[Any], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise RowRefusedError(
            *(f"{_column(e['loc'])}: {e['msg']}" for e in error.errors())
        ) from error


def _column(location: tuple[int | str, ...]) -> str:
    # A grouped field is reported by its CSV column: ("geographic", "city") -> "city".
    names = [str(part) for part in location if isinstance(part, str)]
    return names[-1] if names else "row"
