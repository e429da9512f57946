"""The service pages' view models: the support API's answers shaped for the templates.

Display only: the order, every target's state, which steps a ticket allows and what they
need all come from the support service; here they get words, badges and form fields.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 25

TARGET_LABELS = {
    "first_contact": "First response",
    "proposal": "Resolution proposal",
    "major_reply": "Management reply",
    "follow_up": "Follow-up",
    "promised_reply": "Promised reply",
}
STATE_WORDS = {
    "running": "running",
    "at_risk": "at risk",
    "paused": "paused",
    "met": "met",
    "breached": "breached",
    "cancelled": "cancelled",
}
PRIORITY_BADGES = {"urgent": "bad", "high": "warn", "normal": "run", "low": ""}
ACTION_LABELS = {
    "acknowledge": "Acknowledge",
    "investigate": "Start investigating",
    "determine_responsibility": "Responsibility determined",
    "propose_resolution": "Propose a resolution",
    "accept": "Customer accepted",
    "reject": "Customer rejected",
    "resolve": "Resolve",
    "complete_follow_up": "Follow-up done",
    "close": "Close",
    "reopen": "Reopen",
    "wait_on_customer": "Wait on customer",
    "resume": "Resume",
    "reply": "Reply to the customer",
    "note": "Add a note",
    "hand_over": "Assign to someone else",
    "escalate": "Escalate",
    "promise_reply": "Promise a reply",
}
# The submit button of a step's small form (its summary already says the step's name).
SUBMIT_LABELS = {
    "reply": "Record the reply",
    "note": "Save the note",
    "hand_over": "Hand over",
    "escalate": "Escalate now",
    "promise_reply": "Promise",
    "close": "Sign off and close",
}
# The steps that end or stop the work look different from the flow's forward steps.
CAUTIOUS_ACTIONS = {"close", "reject", "escalate", "wait_on_customer"}
HISTORY_WORDS = {
    "created": "Ticket received",
    "transition": "Status changed",
    "contact": "Contact with the customer",
    "note": "Note",
    "handover": "Handed over",
    "escalation": "Escalated",
    "target_met": "Target met",
    "target_breached": "Target breached",
    "promise": "Reply promised",
    "change": "Details changed",
}
PRIORITIES = ("urgent", "high", "normal", "low")
TARGET_STATES = ("running", "at_risk", "paused", "breached", "met")
SCOPES = {"all": "Everyone's", "mine": "Mine", "team": "My team's"}
OPENNESS = {"open": "Open", "done": "Resolved or closed", "any": "All"}
CHANNELS = ("phone", "email", "letter", "web", "walk_in", "media")
DIRECTIONS = {"outbound": "We contacted the customer", "inbound": "The customer contacted us"}


def words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def when(value: str | None) -> str:
    """An ISO time from the API as a short UTC reading (the countdowns say the rest)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%d %b %Y, %H:%M UTC")


@dataclass(frozen=True)
class TargetView:
    name: str
    label: str
    state: str
    state_word: str
    due_at: str | None
    settled_at: str | None  # met or breached at (a met target shows when, not a countdown)

    @property
    def counts_down(self) -> bool:
        return self.due_at is not None and self.state in ("running", "at_risk", "breached")


def target_view(target: Mapping[str, Any]) -> TargetView:
    state = str(target["state"])
    settled = target.get("met_at") if state == "met" else target.get("breached_at")
    return TargetView(
        name=target["target"],
        label=TARGET_LABELS.get(target["target"], words(target["target"]).capitalize()),
        state=state,
        state_word=STATE_WORDS.get(state, words(state)),
        due_at=target.get("due_at"),
        settled_at=when(settled) if settled else None,
    )


@dataclass(frozen=True)
class TicketRow:
    id: str
    title: str
    kind: str
    category: str
    customer_id: str
    customer_name: str
    priority: str
    priority_badge: str
    status: str
    owner: str
    major: bool
    targets: list[TargetView]


def title_of(ticket: Mapping[str, Any]) -> str:
    subject = ticket.get("subject")
    if subject:
        return str(subject)
    description = str(ticket.get("description") or "")
    return description[:80] + ("..." if len(description) > 80 else "") or "(no subject)"


def ticket_row(ticket: Mapping[str, Any], customer_names: Mapping[str, str]) -> TicketRow:
    return TicketRow(
        id=ticket["id"],
        title=title_of(ticket),
        kind=ticket["kind"],
        category=words(ticket["category"]),
        customer_id=ticket["customer_id"],
        customer_name=customer_names.get(ticket["customer_id"], "Customer"),
        priority=ticket["priority"],
        priority_badge=PRIORITY_BADGES.get(ticket["priority"], ""),
        status=words(ticket["status"]),
        owner=ticket["owner"],
        major=bool(ticket.get("major")),
        targets=[
            target_view(target) for target in ticket["targets"] if target["state"] != "cancelled"
        ],
    )


@dataclass(frozen=True)
class QueueFilters:
    """The queue's GET form, as the person chose it."""

    scope: str = "all"
    priority: str = ""
    state: str = ""
    openness: str = "open"
    cursor: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> "QueueFilters":
        def pick(name: str, allowed: Any, default: str = "") -> str:
            value = query.get(name, default)
            return value if value in allowed else default

        return cls(
            scope=pick("scope", SCOPES, "all"),
            priority=pick("priority", PRIORITIES),
            state=pick("state", TARGET_STATES),
            openness=pick("open", OPENNESS, "open"),
            cursor=query.get("cursor", "")[:2000],
        )

    def params(self, me: str, team: str | None) -> dict[str, str | int | None]:
        """The support API's list parameters for these choices (its queue order: nearest
        due target first)."""
        return {
            "sort": "due",
            "limit": PAGE_SIZE,
            "owner": me if self.scope == "mine" else None,
            "team": team if self.scope == "team" else None,
            "priority": self.priority or None,
            "target_state": self.state or None,
            "open": {"open": "true", "done": "false"}.get(self.openness),
            "cursor": self.cursor or None,
        }

    def query(self, **changes: str) -> str:
        """This page's query string (for the next page's link and the refresh)."""
        values = {
            "scope": self.scope,
            "priority": self.priority,
            "state": self.state,
            "open": self.openness,
            "cursor": self.cursor,
            **changes,
        }
        return urlencode({key: value for key, value in values.items() if value})


@dataclass(frozen=True)
class StepField:
    name: str
    label: str
    widget: str  # text, textarea, select, datetime, checkbox
    options: Mapping[str, str] = field(default_factory=dict)
    hint: str | None = None


FIELDS: dict[str, StepField] = {
    "summary": StepField("summary", "What was said", "textarea"),
    "direction": StepField("direction", "Who reached out", "select", DIRECTIONS),
    "channel": StepField(
        "channel", "Channel", "select", {channel: words(channel) for channel in CHANNELS}
    ),
    "text": StepField("text", "Note", "textarea"),
    "to": StepField("assignee", "New owner (user id)", "text"),
    "reason": StepField("reason", "Reason", "textarea"),
    "reply_by": StepField("reply_by", "Reply by (UTC)", "datetime"),
    "lessons_learned": StepField(
        "lessons_learned",
        "Lessons learned",
        "textarea",
        hint="Needed to sign off a major complaint",
    ),
}


@dataclass(frozen=True)
class StepView:
    action: str
    label: str
    to: str | None
    fields: list[StepField]
    cautious: bool

    @property
    def needs_input(self) -> bool:
        return bool(self.fields)

    @property
    def submit_label(self) -> str:
        return SUBMIT_LABELS.get(self.action, f"{self.label}: send")


def step_view(step: Mapping[str, Any]) -> StepView:
    action = str(step["action"])
    return StepView(
        action=action,
        label=ACTION_LABELS.get(action, words(action).capitalize()),
        to=step.get("to"),
        fields=[FIELDS[name] for name in step.get("needs", []) if name in FIELDS],
        cautious=action in CAUTIOUS_ACTIONS,
    )


@dataclass(frozen=True)
class HistoryView:
    at: str
    at_iso: str
    actor: str
    title: str
    line: str | None
    text: str | None


def history_view(entry: Mapping[str, Any], me: str = "") -> HistoryView:
    kind = str(entry["kind"])
    details = entry.get("details") or {}
    line = None
    if kind == "created":
        line = None  # its title says it
    elif entry.get("from_status") and entry.get("to_status"):
        line = f"from {words(entry['from_status'])} to {words(entry['to_status'])}"
    elif kind in ("target_met", "target_breached") and details.get("target"):
        line = TARGET_LABELS.get(details["target"], words(details["target"]))
    elif kind == "contact":
        line = f"{words(details.get('direction'))} by {words(details.get('channel'))}"
    elif kind == "handover":
        line = f"{details.get('from')} to {details.get('to')}"
    elif details:
        line = ", ".join(f"{words(key)}: {value}" for key, value in details.items())
    return HistoryView(
        at=when(entry["at"]),
        at_iso=entry["at"],
        actor="you" if entry["actor"] == me else entry["actor"],
        title=HISTORY_WORDS.get(kind, words(kind).capitalize()),
        line=line,
        text=entry.get("text"),
    )


@dataclass(frozen=True)
class TicketView:
    raw: Mapping[str, Any]
    title: str
    status: str
    priority_badge: str
    targets: list[TargetView]
    steps: list[StepView]
    history: list[HistoryView]
    facts: list[tuple[str, str]]


def ticket_view(ticket: Mapping[str, Any], me: str = "") -> TicketView:
    """``me``: the viewer's user id, whose own steps the history calls "you"."""
    facts = [
        ("Kind", words(ticket["kind"])),
        (
            "Category",
            words(ticket["category"])
            + (f" ({words(ticket['cause'])})" if ticket.get("cause") else ""),
        ),
        ("Channel", words(ticket["channel"])),
        ("Owner", ticket["owner"]),
        ("Handler", ticket.get("handler") or ""),
        ("Manager", ticket.get("manager") or ""),
        ("Department", ticket.get("department") or ""),
        ("Received", when(ticket["received_at"])),
        ("Product", ticket.get("product") or ""),
        ("Contacts", str(ticket.get("contacts", 0))),
    ]
    if ticket.get("major"):
        facts.append(
            ("Major because", ", ".join(words(r) for r in ticket.get("major_reasons", [])))
        )
    return TicketView(
        raw=ticket,
        title=title_of(ticket),
        status=words(ticket["status"]),
        priority_badge=PRIORITY_BADGES.get(ticket["priority"], ""),
        targets=[target_view(target) for target in ticket["targets"]],
        steps=[step_view(step) for step in ticket.get("allowed_actions", [])],
        history=[history_view(entry, me) for entry in ticket.get("history", [])],
        facts=[(label, value) for label, value in facts if value],
    )


def step_body(endpoint: str, to: str | None, form: Mapping[str, str]) -> dict[str, Any]:
    """The support API's body for a step, from the step's small form."""

    def given(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    if endpoint == "transitions":
        body: dict[str, Any] = {"to": to, "note": given("note")}
        body["lessons_learned"] = given("lessons_learned")
        return {key: value for key, value in body.items() if value is not None}
    if endpoint == "contacts":
        return {
            "direction": given("direction") or "outbound",
            "channel": given("channel") or "phone",
            "summary": given("summary") or "",
        }
    if endpoint == "notes":
        return {"text": given("text") or ""}
    if endpoint == "handover":
        return {"to": given("assignee") or "", "reason": given("reason") or ""}
    if endpoint == "escalate":
        return {"reason": given("reason") or "", "major": form.get("major") == "true"}
    if endpoint == "promises":
        return {"reply_by": _utc(given("reply_by"))}
    raise ValueError(endpoint)


def _utc(local: str | None) -> str | None:
    """A ``datetime-local`` value read as UTC (the label says so)."""
    if not local:
        return None
    moment = datetime.fromisoformat(local)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


# Where each step is taken: the flow's moves are transitions (their ``to`` comes with the
# step the service listed); the other steps have an operation of their own.
ENDPOINTS = {
    "reply": "contacts",
    "note": "notes",
    "hand_over": "handover",
    "escalate": "escalate",
    "promise_reply": "promises",
}
MOVES = {
    "acknowledge",
    "investigate",
    "determine_responsibility",
    "propose_resolution",
    "accept",
    "reject",
    "resolve",
    "complete_follow_up",
    "close",
    "reopen",
    "wait_on_customer",
    "resume",
}


def endpoint_of(action: str) -> str | None:
    return "transitions" if action in MOVES else ENDPOINTS.get(action)
