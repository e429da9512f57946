"""Merging a duplicate into a survivor (the rule is in ``rules``)."""

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.contracts.customer import CreditGrade, CustomerMerged, CustomerStatus
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.consent.models import ConsentRecord
from crm_customer.contacts.repository import ContactRepository
from crm_customer.credit import service as credit
from crm_customer.credit.repository import ReceivableRepository
from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository
from crm_customer.customers.service import apply_fields, ensure_changeable, load
from crm_customer.duplicates.rules import MERGED_FIELDS, merge_values
from crm_customer.events import snapshot_of
from crm_customer.settings import CustomerSettings


def _refuse(detail: str) -> Problem:
    return Problem(409, detail, type_=TYPE_BASE + "merge-refused")


async def merge(
    uow: UnitOfWork,
    survivor: Customer,
    duplicate_id: str,
    settings: CustomerSettings,
    actor: str | None,
) -> Customer:
    if duplicate_id == survivor.id:
        raise _refuse("a customer cannot be merged into itself")
    duplicate = await load(uow, duplicate_id)
    for record in (survivor, duplicate):
        if record.status != CustomerStatus.ACTIVE:
            raise _refuse(
                f"customer {record.id} is {record.status} and cannot take part in a merge"
            )
    ensure_changeable(survivor)
    if survivor.kind != duplicate.kind:
        raise _refuse(
            f"the records are of different kinds ({survivor.kind}, {duplicate.kind}); "
            "change the kind of one of them first"
        )
    await _retire(uow, duplicate, survivor)
    await _take_values(uow, survivor, duplicate, settings)
    _copy_consent(survivor, duplicate)
    await ContactRepository(uow.session).move_all(duplicate.id, survivor.id)
    await _take_credit(uow, survivor, duplicate, settings, actor)
    survivor.updated_at = utcnow()
    await uow.session.flush()
    await uow.publish(
        CustomerMerged(
            customer_id=survivor.id,
            customer_version=survivor.version,
            merged_customer_id=duplicate.id,
            customer=snapshot_of(survivor),
        )
    )
    return survivor


async def _retire(uow: UnitOfWork, duplicate: Customer, survivor: Customer) -> None:
    """The duplicate becomes an alias; its own aliases now point at the survivor too, so
    that ``merged_into`` always names a live record."""
    duplicate.status = CustomerStatus.MERGED.value
    duplicate.merged_into = survivor.id
    duplicate.updated_at = utcnow()
    for alias in await CustomerRepository(uow.session).aliases_of(duplicate.id):
        alias.merged_into = survivor.id
    await uow.session.flush()


async def _take_values(
    uow: UnitOfWork, survivor: Customer, duplicate: Customer, settings: CustomerSettings
) -> None:
    changes = merge_values(_values(survivor), _values(duplicate))
    if "external_id" in changes:
        # external_id is unique: the alias hands it over rather than sharing it.
        duplicate.external_id = None
        await uow.session.flush()
    apply_fields(survivor, changes, settings)


def _values(customer: Customer) -> dict[str, object]:
    values = {field: getattr(customer, field) for field in MERGED_FIELDS if field != "tags"}
    values["tags"] = customer.tags
    return values


def _copy_consent(survivor: Customer, duplicate: Customer) -> None:
    """Copies, not moves: the alias keeps its own history, the survivor gains it."""
    for record in duplicate.consent_records:
        survivor.consent_records.append(
            ConsentRecord(
                channel=record.channel,
                granted=record.granted,
                decided_at=record.decided_at,
                recorded_at=record.recorded_at,
                source=record.source,
                method=record.method,
                recorded_by=record.recorded_by,
                copied_from=duplicate.id,
            )
        )


async def _take_credit(
    uow: UnitOfWork,
    survivor: Customer,
    duplicate: Customer,
    settings: CustomerSettings,
    actor: str | None,
) -> None:
    """Invoices move to the survivor (one recorded on both stays with the alias), then the
    survivor is re-rated. A grade set by hand on the duplicate, and its operating grade,
    are taken over when the survivor has none."""
    receivables = ReceivableRepository(uow.session)
    held = {r.reference for r in await receivables.of_customer(survivor.id)}
    for receivable in await receivables.of_customer(duplicate.id):
        if receivable.reference not in held:
            receivable.customer_id = survivor.id
    await uow.session.flush()
    reason = f"merged with {duplicate.id}"
    await credit.rerate(uow, survivor, settings, actor, reason=reason)
    if survivor.credit_grade is None and duplicate.credit_basis == credit.MANUAL:
        await credit.record_rating(
            uow,
            survivor,
            changed="credit_grade",
            credit_grade=CreditGrade(duplicate.credit_grade),
            basis=credit.MANUAL,
            reason=f"taken over from merged customer {duplicate.id}",
            actor=actor,
            facts=None,
        )
    if survivor.operating_grade is None and duplicate.operating_grade is not None:
        survivor.operating_grade = duplicate.operating_grade
        await credit.record_rating(
            uow,
            survivor,
            changed="operating_grade",
            credit_grade=CreditGrade(survivor.credit_grade) if survivor.credit_grade else None,
            basis=credit.MANUAL,
            reason=f"taken over from merged customer {duplicate.id}",
            actor=actor,
            facts=None,
        )
