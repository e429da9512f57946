"""The service pages' writes (``console_fakes.WriteCase``): each step a ticket allows is one
call to the support service's matching operation."""

from services.console.tests.console_fakes import WriteCase
from services.console.tests.service_answers import TICKET

ROUTE = "/service/tickets/{ticket_id}/actions/{action}"
URL = f"/service/tickets/{TICKET}/actions"
TICKETS = rf"/v1/tickets/{TICKET}"

WRITES = [
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/acknowledge",
        {"to": "acknowledged", "version": "1"},
        upstream=("support", "POST", rf"{TICKETS}/transitions"),
        role="support",
    ),
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/reply",
        {"direction": "outbound", "channel": "phone", "summary": "called back", "version": "1"},
        upstream=("support", "POST", rf"{TICKETS}/contacts"),
        role="support",
    ),
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/note",
        {"text": "asked for a photo"},
        upstream=("support", "POST", rf"{TICKETS}/notes"),
    ),
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/hand_over",
        {"assignee": "agent-2", "reason": "product expert"},
        upstream=("support", "POST", rf"{TICKETS}/handover"),
    ),
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/escalate",
        {"reason": "the customer is very upset", "major": "true"},
        upstream=("support", "POST", rf"{TICKETS}/escalate"),
    ),
    WriteCase(
        "POST",
        ROUTE,
        f"{URL}/promise_reply",
        {"reply_by": "2026-12-08T10:00"},
        upstream=("support", "POST", rf"{TICKETS}/promises"),
    ),
]
