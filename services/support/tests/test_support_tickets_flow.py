"""The ticket flow table: every allowed move, some illegal ones, waiting and back."""

import pytest
from crm_shared.contracts.support import TicketKind
from crm_shared.contracts.support import TicketStatus as S
from crm_support.tickets.flow import OPEN, allowed_moves, may_move

C, Q, R = TicketKind.COMPLAINT, TicketKind.INQUIRY, TicketKind.REQUEST

COMPLAINT_MOVES = [
    (S.RECEIVED, S.ACKNOWLEDGED),
    (S.ACKNOWLEDGED, S.INVESTIGATING),
    (S.INVESTIGATING, S.RESPONSIBILITY_DETERMINED),
    (S.RESPONSIBILITY_DETERMINED, S.RESOLUTION_PROPOSED),
    (S.RESOLUTION_PROPOSED, S.ACCEPTED),
    (S.RESOLUTION_PROPOSED, S.REJECTED),
    (S.REJECTED, S.INVESTIGATING),
    (S.REJECTED, S.RESOLUTION_PROPOSED),
    (S.ACCEPTED, S.RESOLVED),
    (S.RESOLVED, S.FOLLOW_UP_DONE),
    (S.RESOLVED, S.REOPENED),
    (S.FOLLOW_UP_DONE, S.CLOSED),
    (S.FOLLOW_UP_DONE, S.REOPENED),
    (S.CLOSED, S.REOPENED),
    (S.REOPENED, S.ACKNOWLEDGED),
    (S.REOPENED, S.INVESTIGATING),
]


@pytest.mark.parametrize(("origin", "to"), COMPLAINT_MOVES)
def test_every_move_of_the_flow_is_allowed(origin: S, to: S) -> None:
    for kind in (C, Q, R):
        assert may_move(kind, origin, to)


@pytest.mark.parametrize(
    ("origin", "to"),
    [
        (S.RECEIVED, S.RESOLVED),
        (S.RECEIVED, S.CLOSED),
        (S.ACKNOWLEDGED, S.RESOLVED),  # only inquiries and requests
        (S.RESOLVED, S.CLOSED),  # a complaint closes after its follow-up
        (S.ACCEPTED, S.CLOSED),
        (S.CLOSED, S.ACKNOWLEDGED),
        (S.INVESTIGATING, S.RECEIVED),
        (S.RESOLVED, S.WAITING_ON_CUSTOMER),
        (S.CLOSED, S.WAITING_ON_CUSTOMER),
    ],
)
def test_a_complaint_refuses_moves_outside_the_flow(origin: S, to: S) -> None:
    assert not may_move(C, origin, to)


@pytest.mark.parametrize("kind", [Q, R])
def test_inquiries_and_requests_may_be_answered_on_the_spot_and_closed(kind: TicketKind) -> None:
    assert may_move(kind, S.ACKNOWLEDGED, S.RESOLVED)
    assert may_move(kind, S.RESOLVED, S.CLOSED)
    assert not may_move(kind, S.RECEIVED, S.RESOLVED)


@pytest.mark.parametrize("origin", sorted(OPEN))
def test_every_open_status_may_wait_on_the_customer_and_comes_back_to_itself(origin: S) -> None:
    assert may_move(C, origin, S.WAITING_ON_CUSTOMER)
    assert allowed_moves(C, S.WAITING_ON_CUSTOMER, origin) == [origin]
    others = [status for status in S if status != origin]
    assert not any(may_move(C, S.WAITING_ON_CUSTOMER, other, origin) for other in others)


def test_the_allowed_moves_are_listed_in_flow_order() -> None:
    assert allowed_moves(C, S.RESOLUTION_PROPOSED) == [
        S.ACCEPTED,
        S.REJECTED,
        S.WAITING_ON_CUSTOMER,
    ]
    assert allowed_moves(Q, S.ACKNOWLEDGED) == [
        S.INVESTIGATING,
        S.RESOLVED,
        S.WAITING_ON_CUSTOMER,
    ]
