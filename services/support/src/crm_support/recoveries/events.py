"""The event of a recorded service recovery."""

from crm_shared.contracts.support import RecoveryKind, RecoveryRecorded

from crm_support.recoveries.models import Recovery


def recovery_recorded(recovery: Recovery) -> RecoveryRecorded:
    return RecoveryRecorded(
        record_id=recovery.id,
        customer_id=recovery.customer_id,
        ticket_id=recovery.ticket_id,
        recovery_id=recovery.id,
        kind=RecoveryKind(recovery.kind),
        cost=recovery.cost,
        currency=recovery.currency,
        approved_by=recovery.approved_by,
        over_limit=recovery.over_limit,
        recorded_at=recovery.recorded_at,
    )
