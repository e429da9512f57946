"""The customer pages' view models: how the customer and analytics services' answers are
shaped for the templates, and how the pages' forms become those services' requests.

Display-only shaping (formatting, grouping, comparing two records for the eye); every figure
and every rule stays with the service that owns it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

# The customer service's closed vocabularies (crm_shared.contracts.customer and
# crm_customer.customers.vocabulary), for the forms' choices.
KINDS = ("individual", "business", "partner", "internal")
STAGES = ("potential", "prospect", "customer", "lost")
SOURCES = ("walk_in", "web", "referral", "campaign", "partner", "import")
PHASES = ("establishment", "strengthening", "maintenance", "decline", "recovery")
OWNERSHIPS = ("government", "state_owned", "private", "foreign")
SORTS = {
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "name": "Name A to Z",
    "-name": "Name Z to A",
    "-updated_at": "Recently changed",
}
CHANNELS = ("email", "sms", "phone", "post")
PAGE_SIZE = 25
TIMELINE_PAGE = 20


def label(value: object) -> str:
    """A vocabulary value as words: ``walk_in`` -> ``Walk in``."""
    if value is None or value == "":
        return ""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def when(value: str | None, *, with_time: bool = True) -> str:
    """An ISO instant from a service as people read it (UTC, as the services send it)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%d %b %Y %H:%M" if with_time else "%d %b %Y")


def day(value: str | None) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).strftime("%d %b %Y")
    except ValueError:
        return value


# --- search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """The search form as the person filled it in (also the page's URL)."""

    q: str = ""
    kind: str = ""
    stage: str = ""
    tag: str = ""
    city: str = ""
    owner: str = ""
    sort: str = "-created_at"
    cursor: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Search":
        values = {name: query.get(name, "").strip() for name in cls.__dataclass_fields__}
        if values["sort"] not in SORTS:
            values["sort"] = "-created_at"
        return cls(**values)

    def upstream_params(self) -> dict[str, Any]:
        """The customer service's list parameters: the one text box looks for an e-mail
        address, a phone number or part of a name, by what was typed."""
        params: dict[str, Any] = {
            "kind": self.kind or None,
            "stage": self.stage or None,
            "tag": tags_of(self.tag) or None,
            "city": self.city or None,
            "owner": self.owner or None,
            "sort": self.sort,
            "cursor": self.cursor or None,
            "limit": PAGE_SIZE,
            "total": "true",
        }
        text = self.q
        if "@" in text:
            params["email"] = text
        elif text and re.fullmatch(r"[+(]?[0-9][0-9 ().\-/]{5,}", text):
            params["phone"] = text
        elif text:
            params["name"] = text
        return params

    @property
    def filtered(self) -> bool:
        return any((self.q, self.kind, self.stage, self.tag, self.city, self.owner))

    def url(self, **changes: str) -> str:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        kept = {k: v for k, v in values.items() if v and not (k == "sort" and v == "-created_at")}
        return "/customers" + (f"?{urlencode(kept)}" if kept else "")


def tags_of(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


@dataclass(frozen=True)
class ResultRow:
    id: str
    name: str
    company: str
    kind: str
    stage: str
    email: str
    phone: str
    city: str
    tags: list[str]
    created: str


def result_rows(items: list[dict[str, Any]]) -> list[ResultRow]:
    return [
        ResultRow(
            id=item["id"],
            name=item["name"],
            company=item.get("company") or "",
            kind=item["kind"],
            stage=item["lifecycle_stage"],
            email=item.get("email") or "",
            phone=item.get("phone") or "",
            city=(item.get("geographic") or {}).get("city") or "",
            tags=list(item.get("tags") or []),
            created=when(item.get("created_at"), with_time=False),
        )
        for item in items
    ]


# --- the 360 page ---------------------------------------------------------------------------

STAGE_BADGE = {"potential": "idle", "prospect": "run", "customer": "ok", "lost": "bad"}
CHURN_BADGE = {"low": "ok", "medium": "warn", "high": "bad"}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def master_facts(customer: Mapping[str, Any]) -> list[Fact]:
    """The master record's fields worth a line, in reading order (empty ones left out)."""
    address = customer.get("address") or {}
    geo = customer.get("geographic") or {}
    demo = customer.get("demographic") or {}
    business = customer.get("business") or {}
    street = ", ".join(
        part
        for part in (address.get("street"), address.get("postal_code"), geo.get("city"))
        if part
    )
    facts = [
        ("Kind", label(customer.get("kind"))),
        ("Company", customer.get("company")),
        ("E-mail", customer.get("email")),
        ("Phone", customer.get("phone")),
        ("Address", street),
        ("Country", address.get("country")),
        ("Region", geo.get("region")),
        ("Time zone", geo.get("time_zone")),
        ("Owner", customer.get("owner")),
        ("Source", label(customer.get("source"))),
        ("Relationship", label(customer.get("relationship_phase"))),
        ("External id", customer.get("external_id")),
        ("Credit grade", _credit(customer.get("credit") or {})),
        ("Birth date", day(demo.get("birth_date"))),
        ("Occupation", demo.get("occupation")),
        ("Industry", demo.get("industry")),
        ("Employees", business.get("employees")),
        ("Annual revenue", business.get("annual_revenue")),
        ("Ownership", label(business.get("ownership"))),
        ("Created", when(customer.get("created_at"))),
        ("Changed", when(customer.get("updated_at"))),
    ]
    return [Fact(name, str(value)) for name, value in facts if value not in (None, "")]


def _credit(credit: Mapping[str, Any]) -> str:
    grade = credit.get("credit_grade")
    if not grade:
        return ""
    basis = credit.get("credit_basis")
    operating = credit.get("operating_grade")
    return " · ".join(
        part
        for part in (
            f"{grade} ({basis})" if basis else grade,
            label(operating) if operating else "",
        )
        if part
    )


@dataclass(frozen=True)
class ConsentLine:
    channel: str
    state: str  # granted / withdrawn / not asked
    badge: str
    detail: str


def consent_lines(
    consent: Mapping[str, Any] | None, fallback: Mapping[str, bool]
) -> list[ConsentLine]:
    """Per channel: the consent service's current decision (with where and when), else the
    customer record's yes/no."""
    current = (consent or {}).get("current") or {}
    lines = []
    for channel in CHANNELS:
        record = current.get(channel) or {}
        granted = record.get("granted") if record else fallback.get(channel)
        if granted is True:
            state, badge = "Granted", "ok"
        elif granted is False:
            state, badge = "Withdrawn", "bad"
        else:
            state, badge = "Not asked", "idle"
        detail = ", ".join(
            part
            for part in (record.get("source"), record.get("method"), when(record.get("decided_at")))
            if part
        )
        lines.append(
            ConsentLine(label(channel) if channel != "sms" else "SMS", state, badge, detail)
        )
    return lines


@dataclass(frozen=True)
class StageChange:
    from_stage: str
    to_stage: str
    transition: str
    reason: str
    by: str
    at: str


def stage_history(lifecycle: Mapping[str, Any] | None) -> list[StageChange]:
    """Newest first (the service lists them oldest first)."""
    history = (lifecycle or {}).get("history") or []
    return [
        StageChange(
            from_stage=label(change.get("from_stage")) or "(new)",
            to_stage=label(change.get("to_stage")),
            transition=label(change.get("transition")),
            reason=change.get("reason") or "",
            by=who(change.get("changed_by")),
            at=when(change.get("changed_at")),
        )
        for change in reversed(history)
    ]


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def who(actor: str | None) -> str:
    """Who made a change: a person's e-mail or name as recorded; a bare account id shortened
    (the identity service's directory is not read for one line of history)."""
    if not actor:
        return ""
    return f"user {actor[:8]}" if UUID_TEXT.fullmatch(actor) else actor


def money(amount: object, currency: str | None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        text = f"{float(str(amount)):,.2f}"
    except ValueError:
        text = str(amount)
    return f"{text} {currency}" if currency else text


def by_currency(amounts: Mapping[str, Any] | None) -> str:
    """Amounts of several currencies side by side (never added up)."""
    return "; ".join(money(value, code) for code, value in sorted((amounts or {}).items()))


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def number(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:,.{places}f}"


@dataclass
class ProfileView:
    """The analytics profile's sections, formatted; ``None`` sections are left out."""

    sales: list[Fact] = field(default_factory=list)
    service: list[Fact] = field(default_factory=list)
    marketing: list[Fact] = field(default_factory=list)
    rfm: list[Fact] = field(default_factory=list)
    rfm_segment: str = ""
    value: list[Fact] = field(default_factory=list)
    clv: list[Fact] = field(default_factory=list)
    churn_level: str = ""
    churn_badge: str = "idle"
    churn_score: str = ""
    churn_reasons: list[Fact] = field(default_factory=list)
    scored_at: str = ""
    contacts: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    resolved_from: str | None = None


def _facts(pairs: list[tuple[str, object]]) -> list[Fact]:
    return [Fact(name, str(value)) for name, value in pairs if value not in (None, "")]


def profile_view(profile: Mapping[str, Any]) -> ProfileView:
    sales = profile.get("sales") or {}
    service = profile.get("service") or {}
    marketing = profile.get("marketing") or {}
    scores = profile.get("scores") or {}
    currency = sales.get("currency")
    view = ProfileView(
        contacts=list(profile.get("contacts") or []),
        suggestions=list(profile.get("suggestions") or []),
        resolved_from=profile.get("resolved_from"),
        scored_at=when(scores.get("computed_at")),
    )
    view.sales = _facts(
        [
            ("Orders", sales.get("orders", 0)),
            (
                "Revenue",
                money(sales.get("revenue"), currency)
                or by_currency(sales.get("revenue_by_currency")),
            ),
            ("Last order", when(sales.get("last_order_at"), with_time=False)),
            ("Open opportunities", sales.get("open_opportunities", 0)),
            (
                "Weighted pipeline",
                money(sales.get("weighted_pipeline"), currency)
                or by_currency(sales.get("weighted_pipeline_by_currency")),
            ),
            (
                "Outstanding",
                money(sales.get("outstanding"), currency)
                or by_currency(sales.get("outstanding_by_currency")),
            ),
            ("Overdue orders", sales.get("overdue_orders", 0)),
        ]
    )
    view.service = _facts(
        [
            ("Open tickets", service.get("tickets_open", 0)),
            ("Tickets in all", service.get("tickets_total", 0)),
            ("Complaints", service.get("complaints", 0)),
            ("Major complaints", service.get("major_complaints", 0)),
            ("Missed targets", service.get("breaches", 0)),
            ("Last ticket", when(service.get("last_ticket_at"), with_time=False)),
            ("Recovery cost", by_currency(service.get("recovery_cost_by_currency"))),
            ("Surveys answered", service.get("surveys", 0)),
            ("Mean survey score (1-5)", number(service.get("mean_score"))),
        ]
    )
    unsubscribes = marketing.get("unsubscribes") or {}
    view.marketing = _facts(
        [
            ("Campaigns received", marketing.get("campaigns_received", 0)),
            ("Messages received", marketing.get("messages_received", 0)),
            ("Opened", marketing.get("opened", 0)),
            ("Clicked", marketing.get("clicked", 0)),
            ("Responses", marketing.get("responses", 0)),
            ("Bounced", marketing.get("bounced", 0)),
            ("Last touch", when(marketing.get("last_touch_at"), with_time=False)),
            (
                "Unsubscribes",
                ", ".join(f"{label(k)}: {v}" for k, v in sorted(unsubscribes.items())),
            ),
        ]
    )
    rfm = scores.get("rfm")
    score_currency = scores.get("currency")
    if rfm:
        view.rfm_segment = label(rfm.get("segment"))
        view.rfm = _facts(
            [
                ("Recency", f"{rfm['r']}/5 · {rfm['recency_days']} days ago"),
                ("Frequency", f"{rfm['f']}/5 · {rfm['frequency']} purchases"),
                ("Monetary", f"{rfm['m']}/5 · {money(rfm['monetary'], score_currency)}"),
                ("Average purchase", money(rfm.get("monetary_average"), score_currency)),
            ]
        )
    view.value = _facts(
        [
            ("ABC class", scores.get("abc_class")),
            ("Value class", scores.get("value_class")),
            ("Value over the ABC window", money(scores.get("window_value"), score_currency)),
            ("Most-valuable-customer order", scores.get("mvc_class")),
            ("Loyalty score", number(scores.get("loyalty_score"))),
        ]
    )
    clv = scores.get("clv")
    if clv:
        view.clv = _facts(
            [
                ("Probability still active", percent(clv.get("probability_alive"))),
                ("Expected purchases, next 30 days", number(clv.get("expected_purchases_30d"))),
                (
                    "Expected average spend",
                    money(clv.get("expected_average_value"), score_currency),
                ),
                ("Predicted lifetime value", money(clv.get("predicted_value"), score_currency)),
                ("Worksheet lifetime value", money(clv.get("worksheet_value"), score_currency)),
            ]
        )
    churn = scores.get("churn_risk")
    if churn:
        view.churn_level = label(churn.get("level"))
        view.churn_badge = CHURN_BADGE.get(churn.get("level", ""), "idle")
        view.churn_score = percent(churn.get("score"))
        view.churn_reasons = [
            Fact(reason.get("detail") or label(reason.get("code")), percent(reason.get("weight")))
            for reason in churn.get("reasons") or []
        ]
    return view


@dataclass(frozen=True)
class TimelineEntry:
    summary: str
    at: str
    at_iso: str
    source: str
    kind: str
    from_alias: bool


def timeline_entries(items: list[dict[str, Any]], customer_id: str) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            summary=item.get("summary") or item.get("event_type", ""),
            at=when(item.get("occurred_at")),
            at_iso=item.get("occurred_at") or "",
            source=label(item.get("source_service")),
            kind=_event_kind(item.get("event_type", "")),
            from_alias=item.get("subject_id") not in (None, customer_id),
        )
        for item in items
    ]


def _event_kind(event_type: str) -> str:
    """``crm.sales.order.placed.v1`` -> ``order placed``: the entry's short label."""
    parts = event_type.split(".")
    return label(" ".join(parts[2:-1])) if len(parts) > 3 else event_type


# --- edit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    name: str  # the form's input name: "email", "address.country"
    label: str
    kind: str = "text"  # text, email, tel, date, number, select
    choices: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""

    @property
    def input_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


EDIT_SECTIONS: tuple[tuple[str, tuple[FormField, ...]], ...] = (
    (
        "Identity",
        (
            FormField("name", "Name", required=True),
            FormField("kind", "Kind", "select", KINDS, required=True),
            FormField("company", "Company", hint="For a person: the employer"),
            FormField("external_id", "External id", hint="The id in the system it came from"),
        ),
    ),
    (
        "Contact",
        (
            FormField("email", "E-mail", "email"),
            FormField("phone", "Phone", "tel", hint="With the country code, e.g. +49 30 1234567"),
            FormField("address.street", "Street"),
            FormField("address.postal_code", "Postal code"),
            FormField("geographic.city", "City"),
            FormField("geographic.region", "Region"),
            FormField("address.country", "Country", hint="Two letters, e.g. DE"),
            FormField("geographic.time_zone", "Time zone", hint="e.g. Europe/Berlin"),
        ),
    ),
    (
        "Relationship",
        (
            FormField("owner", "Owner"),
            FormField("source", "Source", "select", SOURCES),
            FormField("relationship_phase", "Relationship phase", "select", PHASES),
            FormField("tags", "Tags", hint="Separated by commas"),
        ),
    ),
    (
        "Profile",
        (
            FormField("demographic.birth_date", "Birth date", "date"),
            FormField("demographic.occupation", "Occupation"),
            FormField("demographic.industry", "Industry"),
            FormField("business.employees", "Employees", "number"),
            FormField("business.annual_revenue", "Annual revenue"),
            FormField("business.ownership", "Ownership", "select", OWNERSHIPS),
        ),
    ),
)
EDIT_FIELDS = tuple(f for _, fields in EDIT_SECTIONS for f in fields)


def form_values(customer: Mapping[str, Any]) -> dict[str, str]:
    """The customer record as the edit form's values."""
    values: dict[str, str] = {}
    for form_field in EDIT_FIELDS:
        group, _, name = form_field.name.rpartition(".")
        source = (customer.get(group) or {}) if group else customer
        value = source.get(name)
        if isinstance(value, list):
            values[form_field.name] = ", ".join(str(v) for v in value)
        else:
            values[form_field.name] = "" if value is None else str(value)
    return values


@dataclass(frozen=True)
class StaleLine:
    """A field of a refused (stale) edit: as the form was opened, as the person entered it,
    and as it is saved now."""

    label: str
    opened: str
    entered: str
    now: str

    @property
    def mine(self) -> bool:
        return self.entered != self.opened

    @property
    def theirs(self) -> bool:
        return self.now != self.opened


def stale_lines(
    opened: Mapping[str, str], entered: Mapping[str, str], now: Mapping[str, str]
) -> list[StaleLine]:
    """The fields the person changed or someone else changed meanwhile."""
    lines = [
        StaleLine(
            f.label,
            opened.get(f.name, ""),
            (entered.get(f.name) or "").strip(),
            now.get(f.name, ""),
        )
        for f in EDIT_FIELDS
    ]
    return [line for line in lines if line.mine or line.theirs]


def patch_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The edit form as the customer service's PATCH: every field of the form is sent (an
    emptied one as null, which clears it); fields the form does not show are left out, so the
    service keeps them."""
    body: dict[str, Any] = {}
    for form_field in EDIT_FIELDS:
        raw = (form.get(form_field.name) or "").strip()
        value: Any = raw or None
        if form_field.name == "tags":
            value = tags_of(raw)
        elif form_field.kind == "number" and raw:
            value = int(raw) if raw.lstrip("-").isdigit() else raw
        group, _, name = form_field.name.rpartition(".")
        if group:
            body.setdefault(group, {})[name] = value
        else:
            body[name] = value
    return body


def field_errors(problem: Mapping[str, Any]) -> dict[str, str]:
    """A 422 problem's messages by the form's field names (``body.address.country`` ->
    ``address.country``); a service's own check names its field in ``location``."""
    entries = list(problem.get("errors") or [])
    if problem.get("location"):
        entries.append({"location": problem["location"], "message": problem.get("detail", "")})
    known = {f.name for f in EDIT_FIELDS}
    errors: dict[str, str] = {}
    for entry in entries:
        location = str(entry.get("location", "")).removeprefix("body.")
        # "tags.3" is the tags field's; what names no field of the form goes above it.
        name = next(
            (
                n
                for n in sorted(known, key=len, reverse=True)
                if location == n or location.startswith(n + ".")
            ),
            "form",
        )
        message = str(entry.get("message", ""))
        if name == "form" and location not in ("", "body"):
            message = f"{location}: {message}"
        errors.setdefault(name, message)
    return errors


# --- merge ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeLine:
    label: str
    survivor: str
    duplicate: str

    @property
    def differs(self) -> bool:
        return self.survivor != self.duplicate


MERGE_FIELDS = (
    ("Name", lambda c: c.get("name")),
    ("Kind", lambda c: label(c.get("kind"))),
    ("Company", lambda c: c.get("company")),
    ("E-mail", lambda c: c.get("email")),
    ("Phone", lambda c: c.get("phone")),
    ("Street", lambda c: (c.get("address") or {}).get("street")),
    ("City", lambda c: (c.get("geographic") or {}).get("city")),
    ("Country", lambda c: (c.get("address") or {}).get("country")),
    ("Owner", lambda c: c.get("owner")),
    ("Source", lambda c: label(c.get("source"))),
    ("Stage", lambda c: label(c.get("lifecycle_stage"))),
    ("Tags", lambda c: ", ".join(c.get("tags") or [])),
    ("External id", lambda c: c.get("external_id")),
    ("Created", lambda c: when(c.get("created_at"))),
)


def merge_lines(survivor: Mapping[str, Any], duplicate: Mapping[str, Any]) -> list[MergeLine]:
    return [
        MergeLine(name, str(read(survivor) or ""), str(read(duplicate) or ""))
        for name, read in MERGE_FIELDS
    ]
