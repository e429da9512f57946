"""The support service's answers as the console's service tests script them, shaped like its
OpenAPI (``crm_support.tickets.schemas``: TicketSummary, TicketOut, TargetOut, HistoryOut,
NextStepOut) and the customer service's CustomerOut (the fields the pages read)."""

from typing import Any

CUSTOMER = "00000000-0000-0000-0000-0000000000c1"
TICKET = "11111111-1111-1111-1111-111111111111"


def target(
    name: str,
    state: str = "running",
    due_at: str | None = "2026-12-07T11:00:00Z",
    **fields: Any,
) -> dict[str, Any]:
    return {
        "target": name,
        "state": state,
        "due_at": due_at,
        "at_risk_at": None,
        "met_at": None,
        "breached_at": None,
        "budget_seconds": 7200.0,
        "remaining_seconds": 3600.0 if state in ("running", "at_risk", "paused") else None,
        **fields,
    }


def summary(ticket_id: str = TICKET, **fields: Any) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "customer_id": CUSTOMER,
        "kind": "complaint",
        "category": "product_quality",
        "cause": None,
        "channel": "phone",
        "status": "received",
        "resume_status": None,
        "priority": "normal",
        "grievance": False,
        "was_grievance": False,
        "subject": "The kettle leaks",
        "description": "It leaks from the bottom after a week.",
        "occurred_at": None,
        "product": "kettle K2",
        "price": None,
        "currency": None,
        "staff_involved": None,
        "real_cause": None,
        "desired_resolution": None,
        "demand_reasonable": None,
        "long_standing": True,
        "complainant_type": None,
        "complainant_profile": None,
        "intensity": None,
        "compensation_demanded": None,
        "actual_loss": None,
        "inconsistent_answers": False,
        "received_by": "agent-1",
        "owner": "agent-1",
        "handler": None,
        "manager": None,
        "senior": None,
        "decision_maker": None,
        "follow_up_officer": None,
        "department": "team-1",
        "major": False,
        "major_reasons": [],
        "contacts": 0,
        "handovers": 0,
        "reopened": 0,
        "received_at": "2026-12-07T09:00:00Z",
        "first_contact_at": None,
        "resolved_at": None,
        "closed_at": None,
        "signed_off_by": None,
        "lessons_learned": None,
        "targets": [target("first_contact"), target("proposal", due_at="2026-12-08T09:00:00Z")],
        "created_by": "agent-1",
        "created_at": "2026-12-07T09:00:00Z",
        "updated_at": "2026-12-07T09:00:00Z",
        "version": 1,
        **fields,
    }


def step(
    action: str, endpoint: str = "transitions", to: str | None = None, *needs: str
) -> dict[str, Any]:
    return {"action": action, "endpoint": endpoint, "to": to, "needs": list(needs)}


ALWAYS = [
    step("reply", "contacts", None, "direction", "channel", "summary"),
    step("note", "notes", None, "text"),
    step("hand_over", "handover", None, "to", "reason"),
    step("escalate", "escalate", None, "reason"),
    step("promise_reply", "promises", None, "reply_by"),
]


def ticket(**fields: Any) -> dict[str, Any]:
    """A full ticket (TicketOut): a new complaint by default."""
    return {
        **summary(),
        "history": [
            {
                "at": "2026-12-07T09:00:00Z",
                "actor": "agent-1",
                "kind": "created",
                "from_status": None,
                "to_status": "received",
                "text": None,
                "details": {},
            }
        ],
        "allowed_actions": [
            step("acknowledge", "transitions", "acknowledged"),
            step("wait_on_customer", "transitions", "waiting_on_customer"),
            *ALWAYS,
        ],
        **fields,
    }


def page(*items: dict[str, Any], next_cursor: str | None = None) -> dict[str, Any]:
    return {"items": list(items), "next_cursor": next_cursor, "limit": 25, "total": None}


def customer(customer_id: str = CUSTOMER, name: str = "Ada Lovelace") -> dict[str, Any]:
    return {"id": customer_id, "kind": "individual", "status": "active", "name": name, "version": 1}
