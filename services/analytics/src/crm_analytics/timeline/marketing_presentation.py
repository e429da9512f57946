"""How the marketing service's events (``crm.marketing``) read on the timeline, and what of
them survives erasure.

Kept on erasure, as everywhere, is an allow-list: the ids, the channel, the step and variant,
whether a bounce was permanent, how the customer unsubscribed and when each happened, which
is what the marketing section counts. Free text goes: a campaign's name (anyone may have
typed a name into it), a bounce's reason (a mail server's answer often quotes the address),
a clicked link (a personalised link may carry the customer's data in its query), a call
task's title and script, and a win-back decision's reason.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from crm_shared.contracts.marketing import (
    CallTaskRequested,
    MessageBounced,
    MessageClicked,
    MessageDelivered,
    MessageOpened,
    MessageSent,
    Responded,
    Unsubscribed,
    WinbackDecided,
)

Data = Mapping[str, Any]
Summary = Callable[[Data], str]

MESSAGE_KEPT = frozenset({"message_id", "campaign_id", "channel"})

# What the customer got over each channel (a call task goes to the customer's owner).
MESSAGES = {"email": "E-mail", "sms": "SMS", "phone": "Call task", "mail": "Letter"}
# What the customer stopped, per consent channel.
STOPPED = {"email": "e-mail", "sms": "SMS", "phone": "phone calls", "post": "post"}
HOW = {
    "link": "the unsubscribe link",
    "one-click": "one-click unsubscribe",
    "operator": "an operator",
}

# An SMTP reply's code and enhanced status ("550 5.1.1"): what went wrong, without the text.
SMTP_CODE = re.compile(r"\s*(\d{3}(?:[ -]\d\.\d{1,3}\.\d{1,3})?)")


def _message(data: Data) -> str:
    return MESSAGES.get(str(data.get("channel")), "Message")


def _sent(data: Data) -> str:
    text = f"{_message(data)} sent"
    if data.get("campaign_name"):
        text += f': campaign "{data["campaign_name"]}"'
    details = [f"step {data['step']}"] if (data.get("step") or 1) > 1 else []
    details += [f"variant {data['variant']}"] if data.get("variant") else []
    return text + (f" ({', '.join(details)})" if details else "")


def _happened(what: str) -> Summary:
    def summarize(data: Data) -> str:
        return f"{_message(data)} {what}"

    return summarize


def _bounced(data: Data) -> str:
    text = f"{_message(data)} bounced"
    text += " (permanent)" if data.get("permanent") else " (temporary)"
    code = SMTP_CODE.match(str(data.get("reason") or ""))
    return text + (f": {code.group(1)}" if code else "")


def _clicked(data: Data) -> str:
    text = f"{_message(data)} link clicked"
    target = urlsplit(str(data.get("link") or ""))
    return text + (f": {target.netloc}{target.path}" if target.netloc else "")


def _unsubscribed(data: Data) -> str:
    channel = str(data.get("channel"))
    text = f"Unsubscribed from {STOPPED.get(channel, channel)}"
    how = data.get("how")
    return text + (f" through {HOW.get(str(how), str(how))}" if how else "")


def _responded(data: Data) -> str:
    text = "Responded"
    if data.get("campaign_name"):
        text += f' to campaign "{data["campaign_name"]}"'
    kind = str(data.get("kind") or "")
    target = urlsplit(str(data.get("detail") or "")) if kind == "click" else None
    if target is not None and target.netloc:
        return f"{text}: clicked {target.netloc}{target.path}"
    return text + (f" ({kind})" if kind else "")


def _call_task(data: Data) -> str:
    return f"Call task for the owner: {data.get('title') or 'a call'}"


WINBACK_ACTIONS = {
    "sms_reminder": "a reminder SMS",
    "owner_call": "a call from the owner",
    "recall_offer": "the recall offer",
    "vip_visit": "a personal visit by the owner (VIP)",
    "let_go": "let go",
}


def _winback(data: Data) -> str:
    days = data.get("days_inactive")
    action = WINBACK_ACTIONS.get(str(data.get("action")), str(data.get("action")))
    text = f"Win-back after {days} days without a purchase: {action}"
    return text + (f" ({data['reason']})" if data.get("reason") else "")


# {event type: (summary, top-level fields kept on erasure)}
MARKETING_PRESENTATIONS: dict[str, tuple[Summary, frozenset[str]]] = {
    MessageSent.event_type: (_sent, MESSAGE_KEPT | {"step", "variant", "sent_at"}),
    MessageDelivered.event_type: (_happened("delivered"), MESSAGE_KEPT | {"delivered_at"}),
    MessageBounced.event_type: (_bounced, MESSAGE_KEPT | {"permanent", "bounced_at"}),
    MessageOpened.event_type: (_happened("opened"), MESSAGE_KEPT | {"opened_at"}),
    MessageClicked.event_type: (_clicked, MESSAGE_KEPT | {"clicked_at"}),
    Unsubscribed.event_type: (
        _unsubscribed,
        frozenset({"channel", "campaign_id", "message_id", "how", "unsubscribed_at"}),
    ),
    Responded.event_type: (
        _responded,
        frozenset({"response_id", "campaign_id", "message_id", "kind", "responded_at"}),
    ),
    CallTaskRequested.event_type: (
        _call_task,
        frozenset({"task_id", "campaign_id", "due_at", "requested_at"}),
    ),
    # The reason may name what excluded the customer (a tag, their credit): it goes.
    WinbackDecided.event_type: (
        _winback,
        frozenset({"stage", "action", "days_inactive", "campaign_id", "decided_at"}),
    ),
}
