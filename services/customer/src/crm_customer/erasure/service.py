"""Erasure on request: scrub the person's data, keep an anonymous tombstone, tell everyone.

Aliases merged into the customer hold the same person's data and are erased with it; each
erased record publishes ``crm.customer.erased.v1`` so that every service scrubs its copy.
Sent events and stored idempotent responses that carry the person's data are forgotten too.
"""

from crm_shared.contracts.customer import CustomerErased, CustomerStatus
from crm_shared.db import UnitOfWork, utcnow
from crm_shared.privacy import forget_subjects
from sqlalchemy import inspect

from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.service import ensure_changeable
from crm_customer.erasure.repository import ErasureRepository
from crm_customer.erasure.rules import scrubbed_values


async def erase(uow: UnitOfWork, customer: Customer, reason: str, actor: str | None) -> None:
    ensure_changeable(customer)
    aliases = await CustomerRepository(uow.session).aliases_of(customer.id)
    for record in (customer, *aliases):
        await _erase_one(uow, record, reason, actor)
    await forget_subjects(uow, [record.id for record in (customer, *aliases)])


async def _erase_one(uow: UnitOfWork, customer: Customer, reason: str, actor: str | None) -> None:
    now = utcnow()
    columns = [attribute.key for attribute in inspect(Customer).column_attrs]
    for column, value in scrubbed_values(columns).items():
        setattr(customer, column, value)
    customer.set_tags([])
    customer.status = CustomerStatus.ERASED.value
    customer.erased_at = now
    customer.erasure_reason = reason
    customer.erased_by = actor
    customer.updated_at = now
    await uow.session.flush()
    await ErasureRepository(uow.session).scrub_dependents(customer.id)
    await uow.publish(
        CustomerErased(customer_id=customer.id, customer_version=customer.version, erased_at=now)
    )
