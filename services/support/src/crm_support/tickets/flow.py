"""The ticket flow of DOMAIN.md §4 as a table: which status may follow which.

A complaint goes received → acknowledged → investigating → responsibility_determined →
resolution_proposed → accepted | rejected (rework: back to investigating or to a new
proposal) → resolved → follow_up_done → closed, and may be reopened after it was resolved.
An inquiry or a request may be answered on the spot (acknowledged → resolved) and closed
without a follow-up (resolved → closed). Any open ticket may wait on the customer, which
pauses its targets; from there it goes back only to where it came from.
"""

from crm_shared.contracts.support import TicketKind
from crm_shared.contracts.support import TicketStatus as S

# Statuses in which the ticket is being worked: it may wait on the customer from any.
OPEN: frozenset[S] = frozenset(
    {
        S.RECEIVED,
        S.ACKNOWLEDGED,
        S.INVESTIGATING,
        S.RESPONSIBILITY_DETERMINED,
        S.RESOLUTION_PROPOSED,
        S.ACCEPTED,
        S.REJECTED,
        S.REOPENED,
    }
)
# Where the customer has had their answer (a contact no longer counts towards "unresolved").
RESOLVED: frozenset[S] = frozenset({S.RESOLVED, S.FOLLOW_UP_DONE, S.CLOSED})

MOVES: dict[S, tuple[S, ...]] = {
    S.RECEIVED: (S.ACKNOWLEDGED,),
    S.ACKNOWLEDGED: (S.INVESTIGATING,),
    S.INVESTIGATING: (S.RESPONSIBILITY_DETERMINED,),
    S.RESPONSIBILITY_DETERMINED: (S.RESOLUTION_PROPOSED,),
    S.RESOLUTION_PROPOSED: (S.ACCEPTED, S.REJECTED),
    S.REJECTED: (S.INVESTIGATING, S.RESOLUTION_PROPOSED),
    S.ACCEPTED: (S.RESOLVED,),
    S.RESOLVED: (S.FOLLOW_UP_DONE, S.REOPENED),
    S.FOLLOW_UP_DONE: (S.CLOSED, S.REOPENED),
    S.CLOSED: (S.REOPENED,),
    S.REOPENED: (S.ACKNOWLEDGED, S.INVESTIGATING),
    S.WAITING_ON_CUSTOMER: (),
}
# The short way of inquiries and requests: answered at first contact, no follow-up needed.
QUICK_MOVES: dict[S, tuple[S, ...]] = {
    S.ACKNOWLEDGED: (S.RESOLVED,),
    S.RESOLVED: (S.CLOSED,),
}


def allowed_moves(kind: TicketKind, status: S, resume_status: S | None = None) -> list[S]:
    """The statuses a ticket of ``kind`` in ``status`` may go to next."""
    if status == S.WAITING_ON_CUSTOMER:
        return [resume_status] if resume_status is not None else []
    moves = list(MOVES[status])
    if kind != TicketKind.COMPLAINT:
        moves += QUICK_MOVES.get(status, ())
    if status in OPEN:
        moves.append(S.WAITING_ON_CUSTOMER)
    return moves


def may_move(kind: TicketKind, status: S, to: S, resume_status: S | None = None) -> bool:
    return to in allowed_moves(kind, status, resume_status)
