"""Erasure on request: scrub the person's data, keep an anonymous tombstone, tell everyone.

Aliases merged into the customer hold the same person's data and are erased with it; each
erased record publishes ``crm.customer.erased.v1`` so that every service scrubs its copy.
Sent events and stored idempotent responses that carry the person's data are forgotten too,
and the audit log's entries of the records keep who changed what and when, not the values.
"""

from crm_shared.contracts.customer import CustomerErased, CustomerStatus
from crm_shared.db import UnitOfWork
from crm_shared.preconditions import ExpectedVersion
from crm_shared.privacy import forget_subjects, redact_audit, scrub_from_disk
from sqlalchemy import inspect

from crm_customer.consent.repository import ConsentRecordRepository
from crm_customer.contacts.repository import ContactRepository
from crm_customer.credit.repository import CreditRatingRepository
from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.service import load_for_change
from crm_customer.erasure.rules import AUDIT_KEPT_FIELDS, scrubbed_values
from crm_customer.lifecycle.repository import LifecycleRepository


async def erase(
    uow: UnitOfWork,
    customer_id: str,
    reason: str,
    actor: str | None,
    expected: ExpectedVersion,
) -> Customer:
    customer = await load_for_change(uow, customer_id, expected)
    aliases = await CustomerRepository(uow.session).aliases_of(customer.id)
    for record in (customer, *aliases):
        await _erase_one(uow, record, reason, actor)
    erased_ids = [record.id for record in (customer, *aliases)]
    await forget_subjects(uow, erased_ids)
    await redact_audit(uow, "customer", erased_ids, AUDIT_KEPT_FIELDS)
    scrub_from_disk(uow)
    return customer


async def _erase_one(uow: UnitOfWork, customer: Customer, reason: str, actor: str | None) -> None:
    now = uow.clock.now()
    columns = [attribute.key for attribute in inspect(Customer).column_attrs]
    for column, value in scrubbed_values(columns).items():
        setattr(customer, column, value)
    customer.set_tags([])
    customer.status = CustomerStatus.ERASED.value
    customer.erased_at = now
    customer.erasure_reason = reason
    customer.erased_by = actor
    customer.touch(now)
    uow.audit.label("customer", customer.id, "erased")
    # What hangs off the record keeps its facts (decisions, stages, grades) but loses the
    # free text that could name the person.
    await ContactRepository(uow.session).scrub_of_customer(customer.id)
    await ConsentRecordRepository(uow.session).scrub_free_text(customer.id)
    await LifecycleRepository(uow.session).scrub_reasons(customer.id)
    await CreditRatingRepository(uow.session).scrub_reasons(customer.id)
    uow.record(
        CustomerErased(customer_id=customer.id, customer_version=customer.version, erased_at=now)
    )
