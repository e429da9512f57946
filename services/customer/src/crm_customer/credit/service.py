"""Credit and operating grades: computed from receivables, or set by hand with a reason.

Every rating writes an audit row, moves the customer's version and publishes
``crm.customer.credit_rated.v1``. A manual credit grade stays until someone asks for a
recompute; new receivables meanwhile are recorded but do not override it.
"""

import uuid
from datetime import date

from crm_shared.api.problems import TYPE_BASE, Problem, not_found
from crm_shared.contracts.customer import CreditGrade, CustomerCreditRated, OperatingGrade
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.credit.models import CreditRating, Receivable
from crm_customer.credit.repository import CreditRatingRepository, ReceivableRepository
from crm_customer.credit.rules import CreditFacts, ReceivableFact, credit_facts, rate
from crm_customer.credit.schemas import ReceivableIn, ReceivableUpdate, check_receivable
from crm_customer.customers.models import Customer
from crm_customer.customers.service import ensure_changeable, invalid_input
from crm_customer.settings import CustomerSettings

COMPUTED = "computed"
MANUAL = "manual"


def fact_of(receivable: Receivable) -> ReceivableFact:
    return ReceivableFact(
        amount=receivable.amount,
        paid_amount=receivable.paid_amount,
        issued_on=receivable.issued_on,
        due_on=receivable.due_on,
        paid_on=receivable.paid_on,
    )


async def current_facts(
    uow: UnitOfWork, customer_id: str, settings: CustomerSettings, as_of: date
) -> CreditFacts:
    receivables = await ReceivableRepository(uow.session).of_customer(customer_id)
    return credit_facts((fact_of(r) for r in receivables), as_of, settings.credit_window_months)


async def load_receivable(uow: UnitOfWork, customer: Customer, receivable_id: str) -> Receivable:
    receivable = await ReceivableRepository(uow.session).get(receivable_id)
    if receivable is None or receivable.customer_id != customer.id:
        raise not_found("receivable", receivable_id)
    return receivable


async def add_receivable(
    uow: UnitOfWork,
    customer: Customer,
    body: ReceivableIn,
    settings: CustomerSettings,
    actor: str | None,
) -> Receivable:
    ensure_changeable(customer)
    repository = ReceivableRepository(uow.session)
    existing = await repository.by_reference(customer.id, body.reference)
    if existing is not None:
        raise Problem(
            409,
            f"invoice {body.reference} is already recorded for this customer as {existing.id}; "
            "record payments on it with PATCH",
            type_=TYPE_BASE + "receivable-exists",
            receivable_id=existing.id,
        )
    now = utcnow()
    receivable = repository.add(
        Receivable(
            id=str(uuid.uuid4()),
            customer_id=customer.id,
            recorded_by=actor,
            created_at=now,
            updated_at=now,
            **body.model_dump(),
        )
    )
    await uow.session.flush()
    await rerate(uow, customer, settings, actor, reason="receivables changed")
    return receivable


async def update_receivable(
    uow: UnitOfWork,
    customer: Customer,
    receivable: Receivable,
    body: ReceivableUpdate,
    settings: CustomerSettings,
    actor: str | None,
) -> None:
    ensure_changeable(customer)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    merged = {
        name: changes.get(name, getattr(receivable, name))
        for name in ("amount", "issued_on", "due_on", "paid_amount", "paid_on")
    }
    try:
        check_receivable(**merged)
    except ValueError as error:
        raise invalid_input("body", str(error)) from error
    if not any(getattr(receivable, k) != v for k, v in changes.items()):
        return
    for name, value in changes.items():
        setattr(receivable, name, value)
    receivable.updated_at = utcnow()
    await uow.session.flush()
    await rerate(uow, customer, settings, actor, reason="receivables changed")


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
    facts = await current_facts(uow, customer.id, settings, date.today())
    grade = rate(facts, settings.credit_thresholds)
    unchanged = customer.credit_grade == grade and customer.credit_basis in (COMPUTED, None)
    if not explicit and unchanged:
        return
    await record_rating(
        uow,
        customer,
        changed="credit_grade",
        credit_grade=grade,
        basis=COMPUTED,
        reason=reason,
        actor=actor,
        facts=facts,
    )


async def set_manual_grade(
    uow: UnitOfWork,
    customer: Customer,
    grade: CreditGrade,
    reason: str,
    settings: CustomerSettings,
    actor: str | None,
) -> None:
    ensure_changeable(customer)
    facts = await current_facts(uow, customer.id, settings, date.today())
    await record_rating(
        uow,
        customer,
        changed="credit_grade",
        credit_grade=grade,
        basis=MANUAL,
        reason=reason,
        actor=actor,
        facts=facts,
    )


async def set_operating_grade(
    uow: UnitOfWork, customer: Customer, grade: OperatingGrade, reason: str, actor: str | None
) -> None:
    ensure_changeable(customer)
    customer.operating_grade = grade.value
    await record_rating(
        uow,
        customer,
        changed="operating_grade",
        credit_grade=_grade(customer.credit_grade),
        basis=MANUAL,
        reason=reason,
        actor=actor,
        facts=None,
    )


async def record_rating(
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
    now = utcnow()
    if changed == "credit_grade":
        customer.credit_grade = credit_grade.value if credit_grade else None
        customer.credit_basis = basis
    customer.credit_rated_at = now
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
    customer.updated_at = now
    await uow.session.flush()
    await uow.publish(
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


def _grade(value: str | None) -> CreditGrade | None:
    return CreditGrade(value) if value else None


def _operating(value: str | None) -> OperatingGrade | None:
    return OperatingGrade(value) if value else None
