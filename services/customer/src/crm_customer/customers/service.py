"""Use cases of the customer record: create, update, read, search. Never commits."""

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from crm_shared.api.problems import TYPE_BASE, Problem, not_found
from crm_shared.contracts.customer import (
    CustomerCreated,
    CustomerKind,
    CustomerStatus,
    CustomerUpdated,
)
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.customers.models import Customer
from crm_customer.customers.normalize import (
    InvalidPhoneNumberError,
    fold,
    name_company_key,
    normalize_email,
    normalize_phone,
    normalize_tags,
)
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.schemas import LIST_FIELDS, CustomerCreate, CustomerUpdate, flatten
from crm_customer.customers.search import CustomerFilter, position_from
from crm_customer.events import snapshot_of
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.settings import CustomerSettings


@dataclass(frozen=True)
class Created:
    customer: Customer
    duplicates: list[tuple[Customer, list[str]]]


def invalid_input(location: str, message: str) -> Problem:
    """A 422 shaped like the request validation errors crm_shared reports."""
    return Problem(
        422,
        f"the request is not valid: {location}: {message}",
        type_=TYPE_BASE + "validation-error",
        errors=[{"location": location, "message": message, "type": "value_error"}],
    )


async def load(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = await CustomerRepository(uow.session).get(customer_id)
    if customer is None:
        raise not_found("customer", customer_id)
    return customer


def ensure_changeable(customer: Customer) -> None:
    """Merged aliases and erased tombstones are read-only."""
    if customer.status == CustomerStatus.MERGED:
        raise Problem(
            409,
            f"customer {customer.id} was merged into {customer.merged_into}; change that record",
            type_=TYPE_BASE + "customer-merged",
            merged_into=customer.merged_into,
        )
    if customer.status == CustomerStatus.ERASED:
        raise Problem(
            409,
            f"customer {customer.id} was erased; an erased record cannot change",
            type_=TYPE_BASE + "customer-erased",
        )


async def load_changeable(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = await load(uow, customer_id)
    ensure_changeable(customer)
    return customer


async def create_customer(
    uow: UnitOfWork,
    body: CustomerCreate,
    settings: CustomerSettings,
    *,
    actor: str | None,
    strict: bool,
) -> Created:
    values = flatten(body, only_set=False)
    stage = values.pop("lifecycle_stage")
    now = utcnow()
    customer = Customer(
        id=str(uuid.uuid4()),
        kind=body.kind.value,
        status=CustomerStatus.ACTIVE.value,
        lifecycle_stage=stage.value,
        created_at=now,
        updated_at=now,
        tag_rows=[],
        consent_records=[],  # loaded (empty), so reading them after the flush needs no query
    )
    apply_fields(customer, values, settings)
    await ensure_external_id_free(uow, customer)
    duplicates = await find_duplicates(uow, customer)
    if duplicates and strict:
        raise Problem(
            409,
            "this customer looks like existing ones: "
            + "; ".join(f"{c.id} (same {', '.join(on)})" for c, on in duplicates)
            + ". Update one of them, or create without strict",
            type_=TYPE_BASE + "duplicate-customer",
            duplicates=[{"id": c.id, "matched_on": on} for c, on in duplicates],
        )
    CustomerRepository(uow.session).add(customer)
    uow.session.add(
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
    await uow.session.flush()
    await uow.publish(
        CustomerCreated(
            customer_id=customer.id,
            customer_version=customer.version,
            customer=snapshot_of(customer),
        )
    )
    return Created(customer, duplicates)


async def update_customer(
    uow: UnitOfWork, customer: Customer, body: CustomerUpdate, settings: CustomerSettings
) -> list[str]:
    ensure_changeable(customer)
    changed = apply_fields(customer, flatten(body, only_set=True), settings)
    if "external_id" in changed:
        await ensure_external_id_free(uow, customer)
    await publish_update(uow, customer, changed)
    return changed


async def publish_update(uow: UnitOfWork, customer: Customer, changed: list[str]) -> None:
    """Bump the version (through ``updated_at``) and publish, if anything changed."""
    if not changed:
        return
    customer.updated_at = utcnow()
    await uow.session.flush()
    await uow.publish(
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


async def find_duplicates(uow: UnitOfWork, customer: Customer) -> list[tuple[Customer, list[str]]]:
    matches = await CustomerRepository(uow.session).find_matches(
        email_normalized=customer.email_normalized,
        phone=customer.phone,
        name_key=customer.name_key,
        exclude_id=customer.id,
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
        raise Problem(
            409,
            f"external_id {customer.external_id!r} already belongs to customer {holder.id}",
            type_=TYPE_BASE + "external-id-taken",
            customer_id=holder.id,
        )


async def search_customers(
    uow: UnitOfWork,
    filters: CustomerFilter,
    cursor: str | None,
    limit: int,
    settings: CustomerSettings,
) -> list[Customer]:
    after = position_from(cursor, filters.sort)
    phone = search_phone(filters, settings)
    return await CustomerRepository(uow.session).search(filters, phone, after, limit)


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
        raise invalid_input(location, str(error)) from error


def _refresh_keys(customer: Customer) -> None:
    customer.name_folded = fold(customer.name)[:200]
    customer.email_normalized = normalize_email(customer.email)
    customer.name_key = name_company_key(
        customer.name, customer.company, is_individual=customer.kind == CustomerKind.INDIVIDUAL
    )
