"""Credit and operating grades: computed from receivables, or set by hand with a reason.

Every rating writes an audit row, is one change step of the customer (its next version) and
records ``crm.customer.credit_rated.v1``. A manual credit grade stays until someone asks for
a recompute; new receivables meanwhile are recorded but do not override it.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_shared.contracts.customer import CreditGrade, CustomerCreditRated, OperatingGrade
from crm_shared.cursors import Slice, day, instant, integer, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_customer.credit.models import MANUAL_SOURCE, CreditRating, Receivable
from crm_customer.credit.repository import CreditRatingRepository, ReceivableRepository
from crm_customer.credit.rules import CreditFacts, credit_facts, rate
from crm_customer.credit.schemas import (
    INCONSISTENT_RECEIVABLE,
    ReceivableIn,
    ReceivableUpdate,
    check_receivable,
)
from crm_customer.customers.models import Customer
from crm_customer.customers.service import (
    ensure_changeable,
    load,
    load_changeable,
    load_for_change,
)
from crm_customer.db import FIRST_VERSION
from crm_customer.settings import CustomerSettings

COMPUTED = "computed"
MANUAL = "manual"


@dataclass(frozen=True)
class CreditStanding:
    """The customer's grades, and what the receivables give as of today."""

    customer: Customer
    computed_grade: CreditGrade | None
    facts: CreditFacts
    window_months: int
    as_of: date


def today(uow: UnitOfWork) -> date:
    return uow.clock.now().date()


async def current_facts(
    uow: UnitOfWork, customer_id: str, settings: CustomerSettings, as_of: date
) -> CreditFacts:
    # The query flushes first (autoflush): receivables changed in this unit count.
    facts = await ReceivableRepository(uow.session).facts_of_customers([customer_id])
    return credit_facts(facts.get(customer_id, []), as_of, settings.credit_window_months)


async def credit_standing(
    uow: UnitOfWork, customer: Customer, settings: CustomerSettings
) -> CreditStanding:
    as_of = today(uow)
    facts = await current_facts(uow, customer.id, settings, as_of)
    grade = rate(facts, settings.credit_thresholds)
    return CreditStanding(customer, grade, facts, settings.credit_window_months, as_of)


async def get_credit(
    uow: UnitOfWork, customer_id: str, settings: CustomerSettings
) -> CreditStanding:
    return await credit_standing(uow, await load(uow, customer_id), settings)


# The orders of the rating history and the receivables list, and what their cursors hold.
HISTORY_ORDER = (("rated_at", instant), ("id", integer))
RECEIVABLE_ORDER = (("issued_on", day), ("reference", text))


async def credit_history(
    uow: UnitOfWork, customer_id: str, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[CreditRating]:
    customer = await load(uow, customer_id)
    after = position_of(cursor, HISTORY_ORDER)
    ratings = CreditRatingRepository(uow.session)
    rows = await ratings.history_page(customer.id, after, limit + 1)
    total = await ratings.count_of_customer(customer.id) if count else None
    return slice_of(rows, limit, lambda r: (r.rated_at, r.id), HISTORY_ORDER, total)


async def set_manual_grade(
    uow: UnitOfWork,
    customer_id: str,
    grade: CreditGrade,
    reason: str,
    settings: CustomerSettings,
    actor: str | None,
    expected: ExpectedVersion,
) -> CreditStanding:
    customer = await load_for_change(uow, customer_id, expected)
    facts = await current_facts(uow, customer.id, settings, today(uow))
    record_rating(
        uow,
        customer,
        changed="credit_grade",
        credit_grade=grade,
        basis=MANUAL,
        reason=reason,
        actor=actor,
        facts=facts,
    )
    return await credit_standing(uow, customer, settings)


async def set_operating_grade(
    uow: UnitOfWork,
    customer_id: str,
    grade: OperatingGrade,
    reason: str,
    settings: CustomerSettings,
    actor: str | None,
    expected: ExpectedVersion,
) -> CreditStanding:
    customer = await load_for_change(uow, customer_id, expected)
    customer.operating_grade = grade.value
    record_rating(
        uow,
        customer,
        changed="operating_grade",
        credit_grade=_grade(customer.credit_grade),
        basis=MANUAL,
        reason=reason,
        actor=actor,
        facts=None,
    )
    return await credit_standing(uow, customer, settings)


async def recompute(
    uow: UnitOfWork,
    customer_id: str,
    reason: str | None,
    settings: CustomerSettings,
    actor: str | None,
    expected: ExpectedVersion,
) -> CreditStanding:
    """Rate from the receivables now; ends a manual credit grade."""
    customer = await load_for_change(uow, customer_id, expected)
    await rerate(
        uow, customer, settings, actor, reason=reason or "recompute requested", explicit=True
    )
    return await credit_standing(uow, customer, settings)


async def list_receivables(
    uow: UnitOfWork, customer_id: str, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[Receivable]:
    customer = await load(uow, customer_id)
    after = position_of(cursor, RECEIVABLE_ORDER)
    receivables = ReceivableRepository(uow.session)
    rows = await receivables.page_of_customer(customer.id, after, limit + 1)
    total = await receivables.count_of_customer(customer.id) if count else None
    return slice_of(rows, limit, lambda r: (r.issued_on, r.reference), RECEIVABLE_ORDER, total)


async def get_receivable(uow: UnitOfWork, customer_id: str, receivable_id: str) -> Receivable:
    return await _load_receivable(uow, await load(uow, customer_id), receivable_id)


async def add_receivable(
    uow: UnitOfWork,
    customer_id: str,
    body: ReceivableIn,
    settings: CustomerSettings,
    actor: str | None,
) -> Receivable:
    customer = await load_changeable(uow, customer_id)
    repository = ReceivableRepository(uow.session)
    existing = await repository.by_reference(customer.id, body.reference)
    if existing is not None:
        raise ConflictError(
            f"invoice {body.reference} is already recorded for this customer as {existing.id}; "
            "record payments on it with PATCH",
            code="receivable-exists",
            receivable_id=existing.id,
        )
    _check_consistent(
        uow,
        body.model_dump(include={"amount", "issued_on", "due_on", "paid_amount", "paid_on"}),
    )
    now = uow.clock.now()
    receivable = repository.add(
        Receivable(
            id=str(uuid.uuid4()),
            version=FIRST_VERSION,
            customer_id=customer.id,
            recorded_by=actor,
            source=MANUAL_SOURCE,
            created_at=now,
            updated_at=now,
            **body.model_dump(),
        )
    )
    await rerate(uow, customer, settings, actor, reason="receivables changed")
    return receivable


def _check_consistent(uow: UnitOfWork, fields: dict[str, Any]) -> None:
    try:
        check_receivable(**fields, today=today(uow))
    except ValueError as error:
        raise InvalidError(str(error), location="body", code=INCONSISTENT_RECEIVABLE) from error


async def update_receivable(
    uow: UnitOfWork,
    customer_id: str,
    receivable_id: str,
    body: ReceivableUpdate,
    settings: CustomerSettings,
    actor: str | None,
    expected: ExpectedVersion,
) -> Receivable:
    """Record a payment or correct an invoice, against the receivable's version read."""
    customer = await load(uow, customer_id)
    receivable = await _load_receivable(uow, customer, receivable_id)
    check_version(expected, receivable.version)
    ensure_changeable(customer)
    if receivable.order_id is not None:
        raise ConflictError(
            f"receivable {receivable.id} is order {receivable.order_id}'s: the sales service "
            "keeps it (record payments on the order there)",
            code="receivable-from-order",
            order_id=receivable.order_id,
        )
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    merged = {
        name: changes.get(name, getattr(receivable, name))
        for name in ("amount", "issued_on", "due_on", "paid_amount", "paid_on")
    }
    _check_consistent(uow, merged)
    if not any(getattr(receivable, k) != v for k, v in changes.items()):
        return receivable
    for name, value in changes.items():
        setattr(receivable, name, value)
    receivable.touch(uow.clock.now())
    await rerate(uow, customer, settings, actor, reason="receivables changed")
    return receivable


async def rerate(
    uow: UnitOfWork,
    customer: Customer,
    settings: CustomerSettings,
    actor: str | None,
    *,
    reason: str | None,
    explicit: bool = False,
) -> None:
    """Rate from the receivables. Automatic re-rating (``explicit=False``) leaves a manual
    grade alone and records a rating only when the grade changes; an explicit recompute
    always records one and returns the customer to the computed basis."""
    if customer.credit_basis == MANUAL and not explicit:
        return
    facts = await current_facts(uow, customer.id, settings, today(uow))
    _rate_from(uow, customer, facts, settings, actor, reason=reason, explicit=explicit)


async def rerate_many(
    uow: UnitOfWork,
    customers: Iterable[Customer],
    settings: CustomerSettings,
    actor: str | None,
    *,
    reason: str,
) -> None:
    """:func:`rerate` (automatic) for many customers, their receivables read in one query:
    a run of order events re-rates each customer it touched once, not once per order."""
    automatic = {c.id: c for c in customers if c.credit_basis != MANUAL}
    as_of = today(uow)
    facts = await ReceivableRepository(uow.session).facts_of_customers(list(automatic))
    for customer_id, customer in sorted(automatic.items()):
        counted = credit_facts(facts.get(customer_id, []), as_of, settings.credit_window_months)
        _rate_from(uow, customer, counted, settings, actor, reason=reason, explicit=False)


def _rate_from(
    uow: UnitOfWork,
    customer: Customer,
    facts: CreditFacts,
    settings: CustomerSettings,
    actor: str | None,
    *,
    reason: str | None,
    explicit: bool,
) -> None:
    grade = rate(facts, settings.credit_thresholds)
    unchanged = customer.credit_grade == grade and customer.credit_basis in (COMPUTED, None)
    if not explicit and unchanged:
        return
    record_rating(
        uow,
        customer,
        changed="credit_grade",
        credit_grade=grade,
        basis=COMPUTED,
        reason=reason,
        actor=actor,
        facts=facts,
    )


def record_rating(
    uow: UnitOfWork,
    customer: Customer,
    *,
    changed: str,
    credit_grade: CreditGrade | None,
    basis: str,
    reason: str | None,
    actor: str | None,
    facts: CreditFacts | None,
) -> CreditRating:
    """One change step of the customer: the grade (or the operating grade, set by the
    caller), its audit row and its event."""
    now = uow.clock.now()
    if changed == "credit_grade":
        customer.credit_grade = credit_grade.value if credit_grade else None
        customer.credit_basis = basis
    customer.credit_rated_at = now
    customer.touch(now)
    rating = CreditRatingRepository(uow.session).add(
        CreditRating(
            customer_id=customer.id,
            credit_grade=customer.credit_grade,
            operating_grade=customer.operating_grade,
            basis=basis,
            changed=changed,
            collected_share=facts.collected_share if facts else None,
            longest_payment_cycle_days=facts.longest_payment_cycle_days if facts else None,
            reason=reason,
            rated_by=actor,
            rated_at=now,
        )
    )
    uow.record(
        CustomerCreditRated(
            customer_id=customer.id,
            customer_version=customer.version,
            credit_grade=_grade(customer.credit_grade),
            operating_grade=_operating(customer.operating_grade),
            basis=basis,
            collected_share=rating.collected_share,
            longest_payment_cycle_days=rating.longest_payment_cycle_days,
            reason=reason,
            rated_by=actor,
        )
    )
    return rating


async def _load_receivable(uow: UnitOfWork, customer: Customer, receivable_id: str) -> Receivable:
    receivable = await ReceivableRepository(uow.session).get(receivable_id)
    if receivable is None or receivable.customer_id != customer.id:
        raise NotFoundError.of("receivable", receivable_id)
    return receivable


def _grade(value: str | None) -> CreditGrade | None:
    return CreditGrade(value) if value else None


def _operating(value: str | None) -> OperatingGrade | None:
    return OperatingGrade(value) if value else None
