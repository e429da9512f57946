"""Duplicates: the report of likely duplicate groups, and merging a duplicate into a
survivor (the rule is in ``rules``)."""

from dataclasses import dataclass
from datetime import datetime

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.customer import CreditGrade, CustomerMerged, CustomerStatus
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_customer.consent.models import ConsentRecord
from crm_customer.contacts.service import hand_over_contacts
from crm_customer.credit import service as credit
from crm_customer.credit.repository import ReceivableRepository
from crm_customer.customers.models import Customer
from crm_customer.customers.repository import CustomerRepository, DuplicateGroup
from crm_customer.customers.service import apply_fields, ensure_changeable, load, load_reachable
from crm_customer.duplicates.rules import MERGED_FIELDS, merge_values
from crm_customer.events import snapshot_of
from crm_customer.settings import CustomerSettings


@dataclass(frozen=True)
class DuplicateGroups:
    groups: list[DuplicateGroup]
    truncated: bool  # more groups exist than the limit


async def duplicate_groups(uow: UnitOfWork, limit: int, scope: RecordScope) -> DuplicateGroups:
    """The groups among the customers within ``scope``."""
    groups = await CustomerRepository(uow.session).duplicate_groups(limit + 1, scope)
    return DuplicateGroups(groups[:limit], truncated=len(groups) > limit)


def _refuse(detail: str) -> ConflictError:
    return ConflictError(detail, code="merge-refused")


async def merge(
    uow: UnitOfWork,
    survivor_id: str,
    duplicate_id: str,
    settings: CustomerSettings,
    actor: str | None,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> Customer:
    """Merge ``duplicate_id`` into ``survivor_id``. ``expected`` is the survivor's version
    (the record the request addresses and the one that changes); the duplicate is taken as
    it is now, and everything it holds moves to the survivor, so no change of it is lost.
    ``scope``: the caller's reach."""
    survivor = await load(uow, survivor_id)
    check_version(expected, survivor.version)
    if duplicate_id == survivor.id:
        raise _refuse("a customer cannot be merged into itself")
    # The survivor is within reach (the route checked); the duplicate must be too: 404 as
    # for one that does not exist.
    duplicate = await load_reachable(uow, duplicate_id, scope)
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
    now = uow.clock.now()
    await _retire(uow, duplicate, survivor, now)
    await _take_values(uow, survivor, duplicate, settings)
    _copy_consent(survivor, duplicate)
    await hand_over_contacts(uow, duplicate.id, survivor.id)
    await _take_credit(uow, survivor, duplicate, settings, actor, now)
    survivor.touch(uow.clock.now())
    uow.record(
        CustomerMerged(
            customer_id=survivor.id,
            customer_version=survivor.version,
            merged_customer_id=duplicate.id,
            customer=snapshot_of(survivor),
        )
    )
    return survivor


async def _retire(uow: UnitOfWork, duplicate: Customer, survivor: Customer, now: datetime) -> None:
    """The duplicate becomes an alias; its own aliases now point at the survivor too, so
    that ``merged_into`` always names a live record."""
    duplicate.status = CustomerStatus.MERGED.value
    duplicate.merged_into = survivor.id
    duplicate.touch(now)
    uow.audit.label("customer", duplicate.id, "merged")
    for alias in await CustomerRepository(uow.session).aliases_of(duplicate.id):
        alias.merged_into = survivor.id
        alias.touch(now)


async def _take_values(
    uow: UnitOfWork, survivor: Customer, duplicate: Customer, settings: CustomerSettings
) -> None:
    changes = merge_values(_values(survivor), _values(duplicate))
    if "external_id" in changes:
        # external_id is unique: the alias hands it over rather than sharing it. Its UPDATE
        # must reach the database before the survivor's (one flush orders the UPDATEs of a
        # table by primary key, not by intent), hence this flush.
        duplicate.external_id = None
        await CustomerRepository(uow.session).flush()
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
    now: datetime,
) -> None:
    """Invoices move to the survivor (one recorded on both stays with the alias), then the
    survivor is re-rated. A grade set by hand on the duplicate, and its operating grade,
    are taken over when the survivor has none."""
    receivables = ReceivableRepository(uow.session)
    held = {r.reference for r in await receivables.of_customer(survivor.id)}
    for receivable in await receivables.of_customer(duplicate.id):
        if receivable.reference not in held:
            receivable.customer_id = survivor.id
            receivable.touch(now)
    reason = f"merged with {duplicate.id}"
    await credit.rerate(uow, survivor, settings, actor, reason=reason)  # sees the moved ones
    if (
        survivor.credit_grade is None
        and duplicate.credit_basis == credit.MANUAL
        and duplicate.credit_grade is not None  # always, with a manual basis
    ):
        credit.record_rating(
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
        credit.record_rating(
            uow,
            survivor,
            changed="operating_grade",
            credit_grade=CreditGrade(survivor.credit_grade) if survivor.credit_grade else None,
            basis=credit.MANUAL,
            reason=f"taken over from merged customer {duplicate.id}",
            actor=actor,
            facts=None,
        )
