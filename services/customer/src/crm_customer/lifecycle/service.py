"""Moving a customer through its lifecycle, by the table in ``rules``."""

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.contracts.customer import CustomerLifecycleChanged, LifecycleStage
from crm_shared.db import UnitOfWork, utcnow

from crm_customer.customers.models import Customer
from crm_customer.customers.service import ensure_changeable
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.lifecycle.repository import LifecycleRepository
from crm_customer.lifecycle.rules import (
    PHASE_AFTER,
    TransitionRefusedError,
    allowed_targets,
    transition_name,
)


async def change_stage(
    uow: UnitOfWork,
    customer: Customer,
    target: LifecycleStage,
    reason: str,
    actor: str | None,
) -> LifecycleChange:
    ensure_changeable(customer)
    current = LifecycleStage(customer.lifecycle_stage)
    if current == target:
        raise Problem(
            409,
            f"the customer is already in stage {current}",
            type_=TYPE_BASE + "lifecycle-unchanged",
            allowed=allowed_targets(current),
        )
    try:
        transition = transition_name(current, target)
    except TransitionRefusedError as refused:
        raise Problem(
            409,
            str(refused),
            type_=TYPE_BASE + "lifecycle-transition-refused",
            allowed=refused.allowed,
        ) from refused
    now = utcnow()
    customer.lifecycle_stage = target.value
    if transition in PHASE_AFTER:
        customer.relationship_phase = PHASE_AFTER[transition]
    customer.updated_at = now
    change = LifecycleRepository(uow.session).add(
        LifecycleChange(
            customer_id=customer.id,
            from_stage=current.value,
            to_stage=target.value,
            transition=transition,
            reason=reason,
            changed_by=actor,
            changed_at=now,
        )
    )
    await uow.session.flush()
    await uow.publish(
        CustomerLifecycleChanged(
            customer_id=customer.id,
            customer_version=customer.version,
            from_stage=current,
            to_stage=target,
            reason=reason,
            changed_by=actor,
            changed_at=now,
        )
    )
    return change
