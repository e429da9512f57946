"""How the support service's events (``crm.support``) read on the timeline, and what of them
survives erasure.

The complaint's free text never travels on the bus, so a ticket's snapshot is kept whole but
for its fields listed here (an allow-list, as everywhere: a field the producer adds later is
scrubbed until someone decides it is safe). A crisis alert names no one customer: it is on
no timeline.
"""

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crm_shared.contracts.support import (
    RecoveryKind,
    RecoveryRecorded,
    SlaAtRisk,
    SlaBreached,
    SlaMet,
    SurveyAnswered,
    TicketChanged,
    TicketEscalated,
    TicketOpened,
    TicketStatus,
)

Data = Mapping[str, Any]
Summary = Callable[[Data], str]

RECORD_KEPT = frozenset({"record_id"})
TICKET_KEPT = RECORD_KEPT | {"ticket"}
TARGET_KEPT = RECORD_KEPT | {"ticket_id", "target", "due_at"}
RECOVERY_KEPT = RECORD_KEPT | {
    "ticket_id", "recovery_id", "kind", "cost", "currency", "approved_by", "over_limit",
    "recorded_at",
}  # fmt: skip
# Scores, not words: a questionnaire's items are the operator's, the answers are 1 to 5.
SURVEY_KEPT = RECORD_KEPT | {
    "ticket_id", "survey_id", "questionnaire_version", "answered_by", "department", "owner",
    "answers", "answered_at",
}  # fmt: skip

SNAPSHOTS_KEPT_ON_ERASURE: dict[str, frozenset[str]] = {
    "ticket": frozenset(
        {
            "id", "customer_id", "kind", "category", "cause", "channel", "status", "priority",
            "owner", "handler", "manager", "senior", "department", "product", "major",
            "major_reasons", "contacts", "handovers", "compensation_demanded", "currency",
            "received_at", "resolved_at", "closed_at", "targets", "version",
        }
    ),
}  # fmt: skip

CHANNELS = {
    "phone": "by phone",
    "letter": "by letter",
    "web": "on the web",
    "email": "by e-mail",
    "media": "through the media",
    "walk_in": "in person",
}
STATUS_REACHED = {
    TicketStatus.RECEIVED: "Ticket received",
    TicketStatus.ACKNOWLEDGED: "Ticket acknowledged",
    TicketStatus.INVESTIGATING: "Investigation started",
    TicketStatus.RESPONSIBILITY_DETERMINED: "Responsibility determined",
    TicketStatus.RESOLUTION_PROPOSED: "Resolution proposed",
    TicketStatus.ACCEPTED: "Resolution accepted",
    TicketStatus.REJECTED: "Resolution rejected",
    TicketStatus.RESOLVED: "Ticket resolved",
    TicketStatus.FOLLOW_UP_DONE: "Follow-up visit done",
    TicketStatus.CLOSED: "Ticket closed",
    TicketStatus.WAITING_ON_CUSTOMER: "Waiting on the customer",
    TicketStatus.REOPENED: "Ticket reopened",
}
TARGETS = {
    "first_contact": "First contact",
    "proposal": "Proposal",
    "major_reply": "Senior management reply",
    "follow_up": "Follow-up visit",
    "promised_reply": "Promised reply",
}
GOODWILL = {
    RecoveryKind.DISCOUNT,
    RecoveryKind.VOUCHER,
    RecoveryKind.FREE_SERVICE,
    RecoveryKind.GIFT,
}


def _words(code: Any) -> str:
    return str(code).replace("_", " ")


def _ticket_opened(data: Data) -> str:
    ticket = data.get("ticket") or {}
    text = f"{str(ticket.get('kind') or 'ticket').capitalize()} received"
    details = [_words(ticket["category"])] if ticket.get("category") else []
    if ticket.get("channel"):
        details.append(CHANNELS.get(ticket["channel"], _words(ticket["channel"])))
    text += f" ({', '.join(details)})" if details else ""
    return text + (", major" if ticket.get("major") else "")


def _ticket_changed(data: Data) -> str:
    status = (data.get("ticket") or {}).get("status")
    if data.get("from_status") and status and status != data["from_status"]:
        return STATUS_REACHED.get(status, f"Ticket {_words(status)}")
    fields = data.get("changed_fields") or []
    return "Ticket changed" + (": " + ", ".join(_words(f) for f in fields) if fields else "")


def _ticket_escalated(data: Data) -> str:
    ticket = data.get("ticket") or {}
    text = "Major complaint escalated" if ticket.get("major") else "Ticket escalated"
    reasons = data.get("reasons") or []
    return text + (": " + ", ".join(_words(r) for r in reasons) if reasons else "")


def _target(outcome: str) -> Summary:
    def summarize(data: Data) -> str:
        target = TARGETS.get(str(data.get("target")), _words(data.get("target") or ""))
        return f"{target or 'A'} target {outcome}"

    return summarize


def _recovery(data: Data) -> str:
    kind = data.get("kind")
    heading = "Goodwill" if kind in GOODWILL else "Compensation"
    cost = _amount(data.get("cost"))
    text = f"{heading}: {_words(kind or 'recovery')}"
    text += f" {cost} {data.get('currency') or ''}".rstrip() if cost else ""
    return text + (" (over the limit)" if data.get("over_limit") else "")


def _survey(data: Data) -> str:
    scores = [a["score"] for a in data.get("answers") or [] if isinstance(a, Mapping)]
    if not scores:
        return "Survey answered"
    mean = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"Survey answered: mean {mean}"


def _amount(value: Any) -> str:
    """Money as the event wrote it, with its cents (``20`` reads ``20.00``)."""
    try:
        return f"{Decimal(str(value)):.2f}" if value is not None else ""
    except InvalidOperation:
        return str(value)


# {event type: (summary, top-level fields kept on erasure)}
SUPPORT_PRESENTATIONS: dict[str, tuple[Summary, frozenset[str]]] = {
    TicketOpened.event_type: (_ticket_opened, TICKET_KEPT),
    TicketChanged.event_type: (_ticket_changed, TICKET_KEPT | {"changed_fields", "from_status"}),
    TicketEscalated.event_type: (_ticket_escalated, TICKET_KEPT | {"reasons", "manager", "senior"}),
    SlaAtRisk.event_type: (_target("at risk"), TARGET_KEPT | {"owner"}),
    SlaMet.event_type: (_target("met"), TARGET_KEPT | {"met_at"}),
    SlaBreached.event_type: (_target("breached"), TARGET_KEPT | {"breached_at", "owner", "ticket"}),
    RecoveryRecorded.event_type: (_recovery, RECOVERY_KEPT),
    SurveyAnswered.event_type: (_survey, SURVEY_KEPT),
}
