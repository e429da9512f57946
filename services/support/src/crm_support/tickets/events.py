"""A ticket as the events on crm.support carry it: its facts and its targets as shown to
clients (a running target past its warning point shows "at_risk"); no free text."""

from datetime import datetime

from crm_shared.contracts.support import TargetSnapshot, TargetState, TicketSnapshot

from crm_support.sla.clock import shown_state
from crm_support.tickets.models import Ticket, TicketTarget


def target_snapshot(target: TicketTarget, now: datetime) -> TargetSnapshot:
    return TargetSnapshot(
        target=target.target,
        state=shown_state(TargetState(target.state), target.at_risk_at, now),
        due_at=target.due_at,
        met_at=target.met_at,
        breached_at=target.breached_at,
    )


def snapshot_of(ticket: Ticket, targets: list[TicketTarget], now: datetime) -> TicketSnapshot:
    return TicketSnapshot.model_validate(
        {
            **{
                name: getattr(ticket, name)
                for name in TicketSnapshot.model_fields
                if name != "targets"
            },
            "targets": [target_snapshot(target, now) for target in targets],
        }
    )
