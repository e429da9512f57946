"""Use cases of the customer record: create, read, update, search. Never commits.

Every change is one step: it calls ``customer.touch(now)`` (the next version) and records
its event with that version at once; ``uow.commit()`` writes state and events together.
"""

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.contact_keys import (
    INVALID_PHONE_NUMBER,
    InvalidPhoneNumberError,
    normalize_email,
    normalize_phone,
)
from crm_shared.contracts.customer import (
    CustomerCreated,
    CustomerKind,
    CustomerStatus,
    CustomerUpdated,
)
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.events import CloudEvent
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_customer.customers.models import Customer
from crm_customer.customers.normalize import fold, name_company_key, normalize_tags
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import LIST_FIELDS, CustomerCreate, CustomerUpdate, flatten
from crm_customer.customers.search import CustomerFilter, Position, position_after, position_from
from crm_customer.db import FIRST_VERSION
from crm_customer.events import snapshot_of
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.lifecycle.repository import LifecycleRepository
from crm_customer.settings import CustomerSettings


@dataclass(frozen=True)
class Created:
    customer: Customer
    duplicates: list[tuple[Customer, list[str]]]


@dataclass(frozen=True)
class CustomerPage:
    items: list[Customer]
    following: Position | None  # where the next page starts; None on the last page
    total: int | None = None  # every match, when asked for


async def load(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = await CustomerRepository(uow.session).get(customer_id)
    if customer is None:
        raise NotFoundError.of("customer", customer_id)
    return customer


async def get_customer(uow: UnitOfWork, customer_id: str) -> Customer:
    return await load(uow, customer_id)


async def ensure_reachable(uow: UnitOfWork, customer_id: str, scope: RecordScope) -> None:
    """404 for a customer outside the caller's reach, exactly as for one that does not
    exist (OWASP API1): the answer never says which of the two it is."""
    if scope.everything:
        return
    if not await CustomerRepository(uow.session).reachable(customer_id, scope):
        raise NotFoundError.of("customer", customer_id)


async def load_reachable(uow: UnitOfWork, customer_id: str, scope: RecordScope) -> Customer:
    """A customer the request names besides the one in its path (a merge's duplicate)."""
    await ensure_reachable(uow, customer_id, scope)
    return await load(uow, customer_id)


async def ensure_owner_assignable(uow: UnitOfWork, owner: str | None, scope: RecordScope) -> None:
    """A caller may name as owner only someone whose records it would reach (OWASP API3,
    mass assignment): a rep themselves or nobody (the pool), a manager also their team."""
    if scope.everything:
        return
    team = await CustomerRepository(uow.session).team_of(owner) if owner is not None else None
    if not scope.may_assign(owner, team):
        raise Forbidden(
            "you may make yourself the owner, leave the customer unowned, or (as a team's "
            "manager) give it to a member of your team",
            code="owner-not-assignable",
        )


def ensure_changeable(customer: Customer) -> None:
    """Merged aliases and erased tombstones are read-only."""
    if customer.status == CustomerStatus.MERGED:
        raise ConflictError(
            f"customer {customer.id} was merged into {customer.merged_into}; change that record",
            code="customer-merged",
            merged_into=customer.merged_into,
        )
    if customer.status == CustomerStatus.ERASED:
        raise ConflictError(
            f"customer {customer.id} was erased; an erased record cannot change",
            code="customer-erased",
        )


async def load_for_change(uow: UnitOfWork, customer_id: str, expected: ExpectedVersion) -> Customer:
    """The customer a command changes: it exists (404), the caller read the version it has
    now (412 when stale), and it may change (409)."""
    customer = await load(uow, customer_id)
    check_version(expected, customer.version)
    ensure_changeable(customer)
    return customer


async def load_changeable(uow: UnitOfWork, customer_id: str) -> Customer:
    """The customer something is created under (a receivable): it exists and may change.
    Creates name no version."""
    customer = await load(uow, customer_id)
    ensure_changeable(customer)
    return customer


async def live_customer(
    uow: UnitOfWork, customer_id: str, *, lock: bool = False
) -> Customer | None:
    """The active customer an event names: itself, or the survivor it was merged into; None
    for an erased or unknown one (an event from another service must not bring it back).
    ``lock``: read FOR UPDATE, for a consumer about to change it (a request changing it at
    the same moment waits, rather than failing the event on a stale version)."""
    customers = CustomerRepository(uow.session)

    async def read(wanted: str) -> Customer | None:
        if not lock:
            return await customers.get(wanted)
        return next(iter(await customers.by_ids([wanted], lock=True)), None)

    customer = await read(customer_id)
    if customer is not None and customer.status == CustomerStatus.MERGED and customer.merged_into:
        customer = await read(customer.merged_into)
    return customer if customer is not None and customer.status == CustomerStatus.ACTIVE else None


async def create_customer(
    uow: UnitOfWork,
    body: CustomerCreate,
    settings: CustomerSettings,
    *,
    actor: str | None,
    strict: bool,
    scope: RecordScope,
    cause: CloudEvent | None = None,
) -> Created:
    """``cause``: the event this create answers (a converted lead), for the trace."""
    await ensure_owner_assignable(uow, body.owner, scope)
    values = flatten(body, only_set=False)
    stage = values.pop("lifecycle_stage")
    now = uow.clock.now()
    customer = Customer(
        id=str(uuid.uuid4()),
        version=FIRST_VERSION,
        kind=body.kind.value,
        status=CustomerStatus.ACTIVE.value,
        lifecycle_stage=stage.value,
        created_at=now,
        updated_at=now,
        tag_rows=[],
        consent_records=[],  # loaded (empty): the snapshot reads them without a query
    )
    apply_fields(customer, values, settings)
    await ensure_external_id_free(uow, customer)
    duplicates = await find_duplicates(uow, customer, scope)
    if duplicates and strict:
        raise ConflictError(
            "this customer looks like existing ones: "
            + "; ".join(f"{c.id} (same {', '.join(on)})" for c, on in duplicates)
            + ". Update one of them, or create without strict",
            code="duplicate-customer",
            duplicates=[{"id": c.id, "matched_on": on} for c, on in duplicates],
        )
    CustomerRepository(uow.session).add(customer)
    LifecycleRepository(uow.session).add(
        LifecycleChange(
            customer_id=customer.id,
            from_stage=None,
            to_stage=customer.lifecycle_stage,
            transition="created",
            reason="record created",
            changed_by=actor,
            changed_at=now,
        )
    )
    uow.record(
        CustomerCreated(
            customer_id=customer.id,
            customer_version=customer.version,
            customer=snapshot_of(customer),
        ),
        cause=cause,
    )
    return Created(customer, duplicates)


async def patch_customer(
    uow: UnitOfWork,
    customer_id: str,
    body: CustomerUpdate,
    settings: CustomerSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> Customer:
    """PATCH: made against the version read, so that no one else's update is lost."""
    customer = await load(uow, customer_id)
    check_version(expected, customer.version)
    if "owner" in body.model_fields_set:
        await ensure_owner_assignable(uow, body.owner, scope)
    await update_customer(uow, customer, body, settings)
    return customer


async def update_customer(
    uow: UnitOfWork, customer: Customer, body: CustomerUpdate, settings: CustomerSettings
) -> list[str]:
    ensure_changeable(customer)
    changed = apply_fields(customer, flatten(body, only_set=True), settings)
    if "external_id" in changed:
        await ensure_external_id_free(uow, customer)
    record_update(uow, customer, changed)
    return changed


def record_update(uow: UnitOfWork, customer: Customer, changed: list[str]) -> None:
    """If anything changed: the next version, and its event."""
    if not changed:
        return
    customer.touch(uow.clock.now())
    uow.record(
        CustomerUpdated(
            customer_id=customer.id,
            customer_version=customer.version,
            changed_fields=sorted(changed),
            customer=snapshot_of(customer),
        )
    )


def apply_fields(
    customer: Customer, values: dict[str, Any], settings: CustomerSettings
) -> list[str]:
    """Set the given columns (normalising them); returns the names of those that changed."""
    changed = []
    for field, raw in values.items():
        value = _prepared(field, raw, settings)
        current = customer.tags if field == "tags" else getattr(customer, field)
        if current == value:
            continue
        if field == "tags":
            customer.set_tags(value)
        else:
            setattr(customer, field, value)
        changed.append(field)
    _refresh_keys(customer)
    return changed


async def find_duplicates(
    uow: UnitOfWork, customer: Customer, scope: RecordScope
) -> list[tuple[Customer, list[str]]]:
    matches = await CustomerRepository(uow.session).find_matches(
        email_normalized=customer.email_normalized,
        phone=customer.phone,
        name_key=customer.name_key,
        exclude_id=customer.id,
        scope=scope,
    )
    return [(match, matched_on(customer, match)) for match in matches]


def matched_on(customer: Customer, other: Customer) -> list[str]:
    reasons = []
    if customer.email_normalized and customer.email_normalized == other.email_normalized:
        reasons.append("email")
    if customer.phone and customer.phone == other.phone:
        reasons.append("phone")
    if customer.name_key and customer.name_key == other.name_key:
        reasons.append("name_company")
    return reasons


async def ensure_external_id_free(uow: UnitOfWork, customer: Customer) -> None:
    if customer.external_id is None:
        return
    with uow.session.no_autoflush:
        holder = await CustomerRepository(uow.session).by_external_id(customer.external_id)
    if holder is not None and holder.id != customer.id:
        raise ConflictError(
            f"external_id {customer.external_id!r} already belongs to customer {holder.id}",
            code="external-id-taken",
            customer_id=holder.id,
        )


async def search_customers(
    uow: UnitOfWork,
    filters: CustomerFilter,
    cursor: dict[str, Any] | None,
    limit: int,
    settings: CustomerSettings,
    scope: RecordScope,
    *,
    count: bool = False,
) -> CustomerPage:
    """One page of the customers within ``scope``; ``cursor`` is what the previous page's
    cursor held; ``count`` also counts every match."""
    after = position_from(cursor, filters.sort)
    phone = search_phone(filters, settings)
    customers = CustomerRepository(uow.session)
    # One row more than asked says whether another page follows.
    rows = await customers.search(filters, phone, after, limit + 1, scope)
    page = rows[:limit]
    following = position_after(page[-1], filters.sort) if len(rows) > limit else None
    total = await customers.count(filters, phone, scope) if count else None
    return CustomerPage(page, following, total)


def search_phone(filters: CustomerFilter, settings: CustomerSettings) -> str | None:
    """The phone filter in E.164, as stored (422 if it is no phone number)."""
    return _phone(filters.phone, settings, location="query.phone") if filters.phone else None


def _prepared(field: str, value: Any, settings: CustomerSettings) -> Any:
    if isinstance(value, Enum):
        return value.value
    if field == "phone":
        return _phone(value, settings, location="body.phone")
    if field in LIST_FIELDS:
        return normalize_tags(value or [])
    if isinstance(value, str) and field != "name":
        return value.strip() or None
    return value


def _phone(value: str | None, settings: CustomerSettings, *, location: str) -> str | None:
    try:
        return normalize_phone(value, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise InvalidError(str(error), location=location, code=INVALID_PHONE_NUMBER) from error


def _refresh_keys(customer: Customer) -> None:
    customer.name_folded = fold(customer.name)[:200]
    customer.email_normalized = normalize_email(customer.email)
    customer.name_key = name_company_key(
        customer.name, customer.company, is_individual=customer.kind == CustomerKind.INDIVIDUAL
    )
