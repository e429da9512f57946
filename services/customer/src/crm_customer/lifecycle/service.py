"""Moving a customer through its lifecycle, by the table in ``rules``."""

from dataclasses import dataclass

from crm_shared.contracts.customer import CustomerLifecycleChanged, LifecycleStage
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError
from crm_shared.preconditions import ExpectedVersion

from crm_customer.customers.models import Customer
from crm_customer.customers.service import load, load_for_change
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.lifecycle.repository import LifecycleRepository
from crm_customer.lifecycle.rules import (
    PHASE_AFTER,
    TransitionRefusedError,
    allowed_targets,
    transition_name,
)


@dataclass(frozen=True)
class LifecycleState:
    customer: Customer
    stage: LifecycleStage
    allowed_next: list[LifecycleStage]
    history: list[LifecycleChange]  # oldest first


async def lifecycle_state(uow: UnitOfWork, customer: Customer) -> LifecycleState:
    # The query flushes first (autoflush), so a change made in this unit is in the history.
    history = await LifecycleRepository(uow.session).history(customer.id)
    stage = LifecycleStage(customer.lifecycle_stage)
    return LifecycleState(customer, stage, allowed_targets(stage), history)


async def get_lifecycle(uow: UnitOfWork, customer_id: str) -> LifecycleState:
    return await lifecycle_state(uow, await load(uow, customer_id))


async def move_stage(
    uow: UnitOfWork,
    customer_id: str,
    target: LifecycleStage,
    reason: str,
    actor: str | None,
    expected: ExpectedVersion,
) -> LifecycleState:
    customer = await load_for_change(uow, customer_id, expected)
    change_stage(uow, customer, target, reason, actor)
    return await lifecycle_state(uow, customer)


def change_stage(
    uow: UnitOfWork,
    customer: Customer,
    target: LifecycleStage,
    reason: str,
    actor: str | None,
) -> LifecycleChange:
    current = LifecycleStage(customer.lifecycle_stage)
    if current == target:
        raise ConflictError(
            f"the customer is already in stage {current}",
            code="lifecycle-unchanged",
            allowed=allowed_targets(current),
        )
    try:
        transition = transition_name(current, target)
    except TransitionRefusedError as refused:
        raise ConflictError(
            str(refused), code="lifecycle-transition-refused", allowed=refused.allowed
        ) from refused
    now = uow.clock.now()
    customer.lifecycle_stage = target.value
    if transition in PHASE_AFTER:
        customer.relationship_phase = PHASE_AFTER[transition]
    customer.touch(now)
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
    uow.record(
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
