"""The next steps a ticket allows now, read off the flow (:mod:`flow`) and the actions' own
rules (:mod:`service`), so a client draws exactly the buttons the service would accept.

Each step names the operation that takes it (``endpoint``, under ``/v1/tickets/{id}/``),
the status a transition goes to, and the body fields the client must ask the person for.
Who may take a step is still the service's decision at the time (a major complaint's
sign-off, a stale ``If-Match``): a step listed here can be refused with the reason.
"""

from dataclasses import dataclass

from crm_shared.contracts.support import TicketKind
from crm_shared.contracts.support import TicketStatus as S

from crm_support.tickets import flow
from crm_support.tickets.models import Ticket

# A transition's step is named by where it goes (the same word in every client).
MOVE_NAMES: dict[S, str] = {
    S.ACKNOWLEDGED: "acknowledge",
    S.INVESTIGATING: "investigate",
    S.RESPONSIBILITY_DETERMINED: "determine_responsibility",
    S.RESOLUTION_PROPOSED: "propose_resolution",
    S.ACCEPTED: "accept",
    S.REJECTED: "reject",
    S.RESOLVED: "resolve",
    S.FOLLOW_UP_DONE: "complete_follow_up",
    S.CLOSED: "close",
    S.REOPENED: "reopen",
    S.WAITING_ON_CUSTOMER: "wait_on_customer",
}
RESUME = "resume"  # back from waiting on the customer to where the ticket was


@dataclass(frozen=True)
class NextStep:
    action: str
    endpoint: str  # transitions, contacts, notes, handover, escalate, promises
    to: S | None = None
    needs: tuple[str, ...] = ()


def _move(ticket: Ticket, to: S) -> NextStep:
    if S(ticket.status) == S.WAITING_ON_CUSTOMER:
        return NextStep(RESUME, "transitions", to)
    needs: tuple[str, ...] = ("lessons_learned",) if to == S.CLOSED and ticket.major else ()
    return NextStep(MOVE_NAMES[to], "transitions", to, needs)


def next_steps(ticket: Ticket) -> list[NextStep]:
    """The flow's moves first (in the flow's order), then the actions open at any time."""
    status = S(ticket.status)
    resume = S(ticket.resume_status) if ticket.resume_status else None
    steps = [
        _move(ticket, to) for to in flow.allowed_moves(TicketKind(ticket.kind), status, resume)
    ]
    steps += [
        NextStep("reply", "contacts", needs=("direction", "channel", "summary")),
        NextStep("note", "notes", needs=("text",)),
        NextStep("hand_over", "handover", needs=("to", "reason")),
        NextStep("escalate", "escalate", needs=("reason",)),
    ]
    if status != S.CLOSED:  # service.promise_reply refuses a closed ticket
        steps.append(NextStep("promise_reply", "promises", needs=("reply_by",)))
    return steps
