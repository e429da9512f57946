"""The people at an organisation customer. Contacts are part of the customer master and
are not published on the bus (no other service keeps them); erasure scrubs them."""

import uuid
from typing import Any

from crm_shared.api.problems import TYPE_BASE, Problem, not_found
from crm_shared.contracts.customer import CustomerKind
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.contacts.models import Contact
from crm_customer.contacts.repository import ContactRepository
from crm_customer.contacts.schemas import ContactCreate, ContactUpdate
from crm_customer.customers.models import Customer
from crm_customer.customers.normalize import InvalidPhoneNumberError, normalize_phone
from crm_customer.customers.service import ensure_changeable, invalid_input
from crm_customer.settings import CustomerSettings


def ensure_has_contacts(customer: Customer) -> None:
    ensure_changeable(customer)
    if customer.kind == CustomerKind.INDIVIDUAL:
        raise Problem(
            409,
            "an individual customer has no contacts; contacts belong to business, partner "
            "and internal customers",
            type_=TYPE_BASE + "contacts-not-applicable",
        )


async def load_contact(uow: UnitOfWork, customer: Customer, contact_id: str) -> Contact:
    contact = await ContactRepository(uow.session).get(contact_id)
    if contact is None or contact.customer_id != customer.id:
        raise not_found("contact", contact_id)
    return contact


async def add_contact(
    uow: UnitOfWork, customer: Customer, body: ContactCreate, settings: CustomerSettings
) -> Contact:
    ensure_has_contacts(customer)
    now = utcnow()
    contact = Contact(id=str(uuid.uuid4()), customer_id=customer.id, created_at=now, updated_at=now)
    _apply(contact, body.model_dump(), settings)
    ContactRepository(uow.session).add(contact)
    await uow.session.flush()
    await _keep_one_primary(uow, contact)
    return contact


async def update_contact(
    uow: UnitOfWork,
    customer: Customer,
    contact: Contact,
    body: ContactUpdate,
    settings: CustomerSettings,
) -> None:
    ensure_has_contacts(customer)
    if _apply(contact, body.model_dump(exclude_unset=True), settings):
        contact.updated_at = utcnow()
        await uow.session.flush()
        await _keep_one_primary(uow, contact)


async def remove_contact(uow: UnitOfWork, customer: Customer, contact: Contact) -> None:
    ensure_has_contacts(customer)
    await ContactRepository(uow.session).delete(contact)


def _apply(contact: Contact, values: dict[str, Any], settings: CustomerSettings) -> bool:
    changed = False
    for field, raw in values.items():
        value = _phone(raw, settings) if field == "phone" else raw
        if field == "buying_roles":
            value = [str(role) for role in raw]
        if getattr(contact, field) != value:
            setattr(contact, field, value)
            changed = True
    return changed


def _phone(value: str | None, settings: CustomerSettings) -> str | None:
    try:
        return normalize_phone(value, settings.default_phone_region)
    except InvalidPhoneNumberError as error:
        raise invalid_input("body.phone", str(error)) from error


async def _keep_one_primary(uow: UnitOfWork, contact: Contact) -> None:
    if contact.is_primary:
        await ContactRepository(uow.session).unset_primary(contact.customer_id, contact.id)
