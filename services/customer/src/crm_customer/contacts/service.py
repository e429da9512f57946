"""The people at an organisation customer. Contacts are part of the customer master; each
change is published (``crm.customer.contact_*.v1``, keyed by the customer) in the same unit
of work as the change. A contact has its own version and a change of it leaves the
customer's version alone: the events carry the contact's version (``contact_version``, what
consumers guard with) and the customer's current one. Erasure scrubs contacts (no event: the
customer's ``crm.customer.erased.v1`` tells consumers to drop them); a merge moves them (the
``crm.customer.merged.v1`` tells consumers)."""

import uuid
from datetime import datetime
from typing import Any

from crm_shared.contact_keys import INVALID_PHONE_NUMBER, InvalidPhoneNumberError, normalize_phone
from crm_shared.contracts.customer import (
    ContactSnapshot,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
    CustomerKind,
)
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_customer.contacts.models import Contact
from crm_customer.contacts.repository import ContactRepository
from crm_customer.contacts.schemas import ContactCreate, ContactUpdate
from crm_customer.customers.models import Customer
from crm_customer.customers.service import ensure_changeable, load
from crm_customer.db import FIRST_VERSION
from crm_customer.settings import CustomerSettings


def ensure_has_contacts(customer: Customer) -> None:
    ensure_changeable(customer)
    if customer.kind == CustomerKind.INDIVIDUAL:
        raise ConflictError(
            "an individual customer has no contacts; contacts belong to business, partner "
            "and internal customers",
            code="contacts-not-applicable",
        )


# The order of the contact list, oldest first, and what its cursors hold.
CONTACT_ORDER = (("created_at", instant), ("id", text))


async def list_contacts(
    uow: UnitOfWork, customer_id: str, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[Contact]:
    customer = await load(uow, customer_id)
    after = position_of(cursor, CONTACT_ORDER)
    contacts = ContactRepository(uow.session)
    rows = await contacts.page_of_customer(customer.id, after, limit + 1)
    total = await contacts.count_of_customer(customer.id) if count else None
    return slice_of(rows, limit, lambda c: (c.created_at, c.id), CONTACT_ORDER, total)


async def get_contact(uow: UnitOfWork, customer_id: str, contact_id: str) -> Contact:
    return await _load_contact(uow, await load(uow, customer_id), contact_id)


async def add_contact(
    uow: UnitOfWork, customer_id: str, body: ContactCreate, settings: CustomerSettings
) -> Contact:
    customer = await load(uow, customer_id)
    ensure_has_contacts(customer)
    now = uow.clock.now()
    contact = Contact(
        id=str(uuid.uuid4()),
        version=FIRST_VERSION,
        customer_id=customer.id,
        created_at=now,
        updated_at=now,
    )
    _apply(contact, body.model_dump(), settings)
    ContactRepository(uow.session).add(contact)
    uow.record(
        CustomerContactAdded(
            customer_id=customer.id,
            customer_version=customer.version,
            contact_id=contact.id,
            contact_version=contact.version,
            contact=contact_snapshot(contact),
        )
    )
    await _keep_one_primary(uow, customer, contact, now)
    return contact


async def update_contact(
    uow: UnitOfWork,
    customer_id: str,
    contact_id: str,
    body: ContactUpdate,
    settings: CustomerSettings,
    expected: ExpectedVersion,
) -> Contact:
    customer = await load(uow, customer_id)
    contact = await _load_contact(uow, customer, contact_id)
    check_version(expected, contact.version)
    ensure_has_contacts(customer)
    changed = _apply(contact, body.model_dump(exclude_unset=True), settings)
    if changed:
        now = uow.clock.now()
        contact.touch(now)
        _record_change(uow, customer, contact, changed)
        await _keep_one_primary(uow, customer, contact, now)
    return contact


async def remove_contact(
    uow: UnitOfWork, customer_id: str, contact_id: str, expected: ExpectedVersion
) -> None:
    customer = await load(uow, customer_id)
    contact = await _load_contact(uow, customer, contact_id)
    check_version(expected, contact.version)
    ensure_has_contacts(customer)
    await ContactRepository(uow.session).delete(contact)
    uow.record(
        CustomerContactRemoved(
            customer_id=customer.id,
            customer_version=customer.version,
            contact_id=contact.id,
            contact_version=contact.version,
            removed_at=uow.clock.now(),
        )
    )


async def hand_over_contacts(uow: UnitOfWork, from_customer: str, to_customer: str) -> None:
    """A merge: every contact of one customer goes to the other; the survivor's primary
    contact stays primary."""
    now = uow.clock.now()
    for contact in await ContactRepository(uow.session).of_customer(from_customer):
        contact.customer_id = to_customer
        contact.is_primary = False
        contact.touch(now)


def contact_snapshot(contact: Contact) -> ContactSnapshot:
    return ContactSnapshot.model_validate(contact, from_attributes=True)


def _record_change(
    uow: UnitOfWork, customer: Customer, contact: Contact, changed: list[str]
) -> None:
    """The event of a change, if it changed what the snapshot carries (notes stay here)."""
    published = sorted(field for field in changed if field in ContactSnapshot.model_fields)
    if not published:
        return
    uow.record(
        CustomerContactChanged(
            customer_id=customer.id,
            customer_version=customer.version,
            contact_id=contact.id,
            contact_version=contact.version,
            changed_fields=published,
            contact=contact_snapshot(contact),
        )
    )


async def _load_contact(uow: UnitOfWork, customer: Customer, contact_id: str) -> Contact:
    contact = await ContactRepository(uow.session).get(contact_id)
    if contact is None or contact.customer_id != customer.id:
        raise NotFoundError.of("contact", contact_id)
    return contact


def _apply(contact: Contact, values: dict[str, Any], settings: CustomerSettings) -> list[str]:
    """Set the given fields; returns the names of those that changed."""
    changed = []
    for field, raw in values.items():
        value = _phone(raw, settings) if field == "phone" else raw
        if field == "buying_roles":
            value = [str(role) for role in raw]
        if getattr(contact, field) != value:
            setattr(contact, field, value)
            changed.append(field)
    return changed


def _phone(value: str | None, settings: CustomerSettings) -> str | None:
    try:
        return normalize_phone(value, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise InvalidError(str(error), location="body.phone", code=INVALID_PHONE_NUMBER) from error


async def _keep_one_primary(
    uow: UnitOfWork, customer: Customer, contact: Contact, now: datetime
) -> None:
    """One primary contact per customer: a new primary one demotes the others (each a
    change of its own, published)."""
    if not contact.is_primary:
        return
    for other in await ContactRepository(uow.session).primaries(contact.customer_id):
        if other.id != contact.id:
            other.is_primary = False
            other.touch(now)
            _record_change(uow, customer, other, ["is_primary"])
