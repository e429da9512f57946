"""How the sales service's events (``crm.sales``) read on the timeline, and what of them
survives erasure.

Kept on erasure, as everywhere, is an allow-list: the event's own non-personal fields and,
of the record snapshot it carries, the fields in ``SNAPSHOTS_KEPT_ON_ERASURE`` (ids, states,
amounts, dates). A lead's name, company, e-mail and phone go, and so does free text anyone
may have typed a name into (an opportunity's name, a loss reason, a competitor, an
activity's subject and outcome, a cancellation reason).
"""

from collections.abc import Callable, Mapping
from typing import Any

from crm_shared.contracts.sales import (
    ActivityCompleted,
    ActivityDue,
    ActivityScheduled,
    LeadChanged,
    LeadConverted,
    LeadCreated,
    OpportunityChanged,
    OpportunityOpened,
    OpportunityStageChanged,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
    QuoteDecided,
    QuoteIssued,
)

Data = Mapping[str, Any]
Summary = Callable[[Data], str]

RECORD_KEPT = frozenset({"record_id"})

SNAPSHOTS_KEPT_ON_ERASURE: dict[str, frozenset[str]] = {
    "lead": frozenset(
        {
            "id", "source", "campaign_id", "owner", "status", "disqualified_reason",
            "customer_id", "opportunity_id", "score", "win_probability", "version",
            "created_at", "updated_at",
        }
    ),
    "opportunity": frozenset(
        {
            "id", "customer_id", "lead_id", "owner", "stage", "probability",
            "probability_overridden", "amount", "currency", "weighted_amount",
            "expected_close_date", "closed_at", "version", "created_at", "updated_at",
        }
    ),
    "quote": frozenset(
        {
            "id", "number", "revision", "customer_id", "opportunity_id", "status",
            "valid_until", "currency", "total", "lines", "version",
        }
    ),
    "order": frozenset(
        {
            "id", "customer_id", "number", "external_id", "quote_id", "opportunity_id",
            "source", "ordered_at", "currency", "total", "lines", "payment_terms_days",
            "due_date", "paid_amount", "written_off_amount", "paid_on", "payment_state",
            "owner", "version",
        }
    ),
    "activity": frozenset(
        {
            "id", "kind", "owner", "due_at", "done", "done_at", "customer_id",
            "opportunity_id", "lead_id", "version",
        }
    ),
}  # fmt: skip


def _money(amount: Any, currency: Any) -> str:
    return f"{amount} {currency}".strip() if amount is not None else ""


def _lead_created(data: Data) -> str:
    lead = data.get("lead") or {}
    text = "Lead created" + (f": {lead['name']}" if lead.get("name") else "")
    text += f" ({lead['company']})" if lead.get("company") else ""
    return text + (f", source {lead['source']}" if lead.get("source") else "")


def _lead_changed(data: Data) -> str:
    lead = data.get("lead") or {}
    fields = data.get("changed_fields") or []
    text = "Lead changed" + (": " + ", ".join(fields) if fields else "")
    return text + (
        f" (now {lead['status']}, score {lead.get('score')})" if lead.get("status") else ""
    )


def _lead_converted(data: Data) -> str:
    lead = data.get("lead") or {}
    return "Lead converted into an opportunity" + (f": {lead['name']}" if lead.get("name") else "")


def _opportunity_opened(data: Data) -> str:
    opportunity = data.get("opportunity") or {}
    text = "Opportunity opened" + (f": {opportunity['name']}" if opportunity.get("name") else "")
    money = _money(opportunity.get("amount"), opportunity.get("currency"))
    details = ", ".join(part for part in (money, opportunity.get("stage")) if part)
    return text + (f" ({details})" if details else "")


def _opportunity_changed(data: Data) -> str:
    fields = data.get("changed_fields") or []
    opportunity = data.get("opportunity") or {}
    text = "Opportunity changed" + (f": {opportunity['name']}" if opportunity.get("name") else "")
    return text + (" (" + ", ".join(fields) + ")" if fields else "")


def _stage_changed(data: Data) -> str:
    opportunity = data.get("opportunity") or {}
    name = f" {opportunity['name']}" if opportunity.get("name") else ""
    text = f"Opportunity{name}: {data.get('from_stage')} → {data.get('to_stage')}"
    if opportunity.get("loss_reason"):
        text += f" ({opportunity['loss_reason']})"
    return text


def _quote_issued(data: Data) -> str:
    quote = data.get("quote") or {}
    text = f"Quote {quote.get('number', '')} v{quote.get('revision', 1)} issued"
    money = _money(quote.get("total"), quote.get("currency"))
    return text + (f": {money}" if money else "")


def _quote_decided(data: Data) -> str:
    quote = data.get("quote") or {}
    return f"Quote {quote.get('number', '')} v{quote.get('revision', 1)} {data.get('status')}"


def _order_placed(data: Data) -> str:
    order = data.get("order") or {}
    text = f"Order {order.get('number', '')} placed"
    money = _money(order.get("total"), order.get("currency"))
    text += f": {money}" if money else ""
    return text + (f", due {order['due_date']}" if order.get("due_date") else "")


def _payment_changed(data: Data) -> str:
    order = data.get("order") or {}
    money = _money(data.get("amount"), order.get("currency"))
    number = order.get("number", "")
    if data.get("kind") == "write_off":
        return f"{money} written off on order {number}"
    text = f"Payment of {money} on order {number}"
    return text + (f" ({order['payment_state']})" if order.get("payment_state") else "")


def _order_cancelled(data: Data) -> str:
    order = data.get("order") or {}
    text = f"Order {order.get('number', '')} cancelled"
    return text + (f": {data['reason']}" if data.get("reason") else "")


def _activity(verb: str) -> Summary:
    def summarize(data: Data) -> str:
        activity = data.get("activity") or {}
        kind = str(activity.get("kind") or "activity").capitalize()
        text = f"{kind} {verb}" + (f": {activity['subject']}" if activity.get("subject") else "")
        if verb == "done" and activity.get("outcome"):
            text += f" ({activity['outcome']})"
        return text

    return summarize


# {event type: (summary, top-level fields kept on erasure)}
SALES_PRESENTATIONS: dict[str, tuple[Summary, frozenset[str]]] = {
    LeadCreated.event_type: (_lead_created, RECORD_KEPT | {"lead"}),
    LeadChanged.event_type: (_lead_changed, RECORD_KEPT | {"changed_fields", "lead"}),
    LeadConverted.event_type: (_lead_converted, RECORD_KEPT | {"opportunity_id", "lead"}),
    OpportunityOpened.event_type: (_opportunity_opened, RECORD_KEPT | {"opportunity"}),
    OpportunityChanged.event_type: (
        _opportunity_changed,
        RECORD_KEPT | {"changed_fields", "opportunity"},
    ),
    OpportunityStageChanged.event_type: (
        _stage_changed,
        RECORD_KEPT | {"from_stage", "to_stage", "changed_at", "opportunity"},
    ),
    QuoteIssued.event_type: (_quote_issued, RECORD_KEPT | {"quote"}),
    QuoteDecided.event_type: (_quote_decided, RECORD_KEPT | {"status", "order_id", "quote"}),
    OrderPlaced.event_type: (_order_placed, RECORD_KEPT | {"order"}),
    OrderPaymentChanged.event_type: (
        _payment_changed,
        RECORD_KEPT | {"payment_id", "amount", "kind", "occurred_on", "order"},
    ),
    OrderCancelled.event_type: (_order_cancelled, RECORD_KEPT | {"order"}),
    ActivityScheduled.event_type: (_activity("scheduled"), RECORD_KEPT | {"activity"}),
    ActivityCompleted.event_type: (_activity("done"), RECORD_KEPT | {"activity"}),
    ActivityDue.event_type: (_activity("due"), RECORD_KEPT | {"owner", "due_at", "activity"}),
}
