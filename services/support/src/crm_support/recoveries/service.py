"""Use cases of service recovery: record one on a ticket (within the approver's limits, or
over them by a manager) and list a ticket's, with the total per currency."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.contracts.support import RecoveryKind
from crm_shared.db import UnitOfWork
from crm_shared.errors import InvalidError

from crm_support.recoveries import rules
from crm_support.recoveries.events import recovery_recorded
from crm_support.recoveries.models import Recovery
from crm_support.recoveries.repository import RecoveryRepository
from crm_support.settings import SupportSettings
from crm_support.tickets import history

CENT = Decimal("0.01")


@dataclass(frozen=True)
class NewRecovery:
    kind: RecoveryKind
    cost: Decimal
    currency: str | None = None  # default: the ticket's, else the default currency
    description: str | None = None


@dataclass(frozen=True)
class RecoveryList:
    recoveries: list[Recovery]
    totals: dict[str, Decimal]


async def record_recovery(
    uow: UnitOfWork,
    ticket_id: str,
    new: NewRecovery,
    approver: rules.Approver,
    settings: SupportSettings,
) -> Recovery:
    """Record a recovery approved by ``approver``, add it to the ticket's history and
    publish RecoveryRecorded; Forbidden over a limit for a non-manager, InvalidError for a
    currency other than the ticket's recoveries'."""
    repository = RecoveryRepository(uow.session)
    # Locked: two recoveries at once must not both pass the limit on the same total.
    ticket = await repository.existing(ticket_id, lock=True)
    currency = new.currency or ticket.currency or settings.default_currency
    earlier = await repository.recoveries_of(ticket.id)
    others = sorted({recovery.currency for recovery in earlier} - {currency})
    if others:
        raise InvalidError(
            f"this ticket's recoveries are in {', '.join(others)}: record this one in the "
            "same currency (totals are never summed across currencies)",
            location="body.currency",
            code="currency-mismatch",
        )
    cost = new.cost.quantize(CENT)
    total = sum((recovery.cost for recovery in earlier), cost)
    # The actual loss is in the ticket's currency: it caps only recoveries in that currency.
    loss_applies = ticket.currency in (None, currency)
    over_limit = rules.approve(
        approver,
        manager=rules.is_manager(approver, (ticket.manager, ticket.senior)),
        total=total,
        currency=currency,
        limits=settings.recovery_limits,
        actual_loss=ticket.actual_loss if loss_applies else None,
    )
    recovery = Recovery(
        id=str(uuid.uuid4()),
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        kind=new.kind.value,
        cost=cost,
        currency=currency,
        description=new.description,
        approved_by=approver.subject,
        over_limit=over_limit,
        recorded_at=uow.clock.now(),
    )
    await repository.add_recovery(recovery)
    history.record(
        uow,
        ticket.id,
        "recovery",
        approver.subject,
        recovery_id=recovery.id,
        recovery_kind=recovery.kind,
        cost=str(cost),
        currency=currency,
        over_limit=over_limit,
    )
    uow.record(recovery_recorded(recovery))
    return recovery


async def list_recoveries(uow: UnitOfWork, ticket_id: str) -> RecoveryList:
    repository = RecoveryRepository(uow.session)
    await repository.existing(ticket_id)
    found = await repository.recoveries_of(ticket_id)
    totals = rules.totals_by_currency([(r.currency, r.cost) for r in found])
    return RecoveryList(found, totals)
