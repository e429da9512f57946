"""The events of service visits and follow-up calls (no free text: notes stay here)."""

from typing import Any

from crm_shared.contracts.support import (
    FollowUpCallDone,
    FollowUpCallDue,
    FollowUpReason,
    VisitKind,
    VisitRecorded,
)

from crm_support.follow_ups.models import FollowUpCall, Visit


def visit_recorded(visit: Visit) -> VisitRecorded:
    return VisitRecorded(
        record_id=visit.id,
        customer_id=visit.customer_id,
        visit_id=visit.id,
        kind=VisitKind(visit.kind),
        staff=visit.staff,
        visited_at=visit.visited_at,
    )


def _about(call: FollowUpCall) -> dict[str, Any]:
    return {
        "record_id": call.id,
        "customer_id": call.customer_id,
        "call_id": call.id,
        "reason": FollowUpReason(call.reason),
        "source_id": call.source_id,
        "owner": call.owner,
        "due_at": call.due_at,
    }


def call_due(call: FollowUpCall) -> FollowUpCallDue:
    return FollowUpCallDue(**_about(call))


def call_done(call: FollowUpCall) -> FollowUpCallDone:
    assert call.done_at is not None
    assert call.done_by is not None
    return FollowUpCallDone(
        **_about(call),
        done_at=call.done_at,
        done_by=call.done_by,
        problem_fixed=call.problem_fixed,
        questions_answered=call.questions_answered,
        next_service_date=call.next_service_date,
        lead_spotted=call.lead_spotted,
        satisfied=call.satisfied,
        complaint_ticket_id=call.complaint_ticket_id,
    )
