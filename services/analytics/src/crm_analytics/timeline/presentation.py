"""How each event type appears on the timeline: a one-line summary, and what survives erasure.

Erasure keeps a timeline row's type and time (so counts still add up) and, from its data, only
the fields listed here as free of personal data (and, of a record snapshot it carries, the
snapshot fields listed for it): an allow-list, so a field a producer adds later is scrubbed
until someone decides it is safe. The summary is rendered again from the scrubbed data, so
it cannot leak what the data no longer holds. An event type registered nowhere here gets a
generic summary and keeps nothing but the customer id. The sales events are in
:mod:`.sales_presentation`, the support events in :mod:`.support_presentation`, the marketing
events in :mod:`.marketing_presentation`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crm_shared.contracts.analytics import CustomerInactive
from crm_shared.contracts.customer import (
    CustomerConsentChanged,
    CustomerContactAdded,
    CustomerContactChanged,
    CustomerContactRemoved,
    CustomerCreated,
    CustomerCreditRated,
    CustomerErased,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerUpdated,
)

from crm_analytics.timeline import (
    marketing_presentation,
    sales_presentation,
    support_presentation,
)

SUMMARY_MAX_LENGTH = 300

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Presentation:
    summarize: Callable[[Data], str]
    kept_on_erasure: frozenset[str]


# Snapshot fields that describe the relationship, not the person.
SNAPSHOT_KEPT_ON_ERASURE = frozenset(
    {
        "id", "kind", "lifecycle_stage", "status", "credit_grade", "operating_grade",
        "owner", "source", "version", "created_at", "updated_at",
    }
)  # fmt: skip
CREDIT_KEPT_ON_ERASURE = frozenset(
    {
        "credit_grade", "operating_grade", "basis", "collected_share",
        "longest_payment_cycle_days", "rated_by",
    }
)  # fmt: skip
ALWAYS_KEPT = frozenset({"customer_id", "customer_version"})

CHANNEL_LABELS = {"email": "E-mail", "sms": "SMS", "phone": "Phone", "post": "Post"}


def _created(data: Data) -> str:
    customer = data.get("customer") or {}
    name = customer.get("name")
    described = ", ".join(str(customer[k]) for k in ("kind", "lifecycle_stage") if customer.get(k))
    text = "Customer created" + (f": {name}" if name else "")
    return text + (f" ({described})" if described else "")


def _updated(data: Data) -> str:
    fields = data.get("changed_fields") or []
    return "Details updated" + (": " + ", ".join(fields) if fields else "")


def _lifecycle_changed(data: Data) -> str:
    text = f"Lifecycle stage {data.get('from_stage') or 'none'} → {data.get('to_stage')}"
    return text + (f": {data['reason']}" if data.get("reason") else "")


def _consent_changed(data: Data) -> str:
    channel = CHANNEL_LABELS.get(str(data.get("channel")), str(data.get("channel")))
    text = f"{channel} consent {'granted' if data.get('granted') else 'withdrawn'}"
    return text + (f" (source: {data['source']})" if data.get("source") else "")


def _credit_rated(data: Data) -> str:
    grade = data.get("credit_grade")
    text = f"Credit grade {grade}" if grade else "Credit grade cleared"
    if data.get("operating_grade"):
        text += f", operating grade {str(data['operating_grade']).replace('_', ' ')}"
    return text + (f" ({data['basis']})" if data.get("basis") else "")


def _contact_added(data: Data) -> str:
    contact = data.get("contact") or {}
    name, title = contact.get("name"), contact.get("job_title")
    text = "Contact added" + (f": {name}" if name else "")
    return text + (f" ({title})" if name and title else "")


def _contact_changed(data: Data) -> str:
    contact = data.get("contact") or {}
    fields = data.get("changed_fields") or []
    text = "Contact changed" + (f": {contact['name']}" if contact.get("name") else "")
    return text + (" (" + ", ".join(fields) + ")" if fields else "")


def _contact_removed(data: Data) -> str:
    return "Contact removed"


def _merged(data: Data) -> str:
    return f"Customer {data.get('merged_customer_id')} merged into {data.get('customer_id')}"


def _erased(data: Data) -> str:
    return "Personal data erased"


def _inactive(data: Data) -> str:
    text = (
        f"No purchase for {data.get('days_inactive')} days "
        f"(past the {data.get('threshold_days')}-day mark)"
    )
    if data.get("expected_value") is not None:
        text += (
            f", expected value {data['expected_value']} {data.get('currency')} over "
            f"{data.get('horizon_months')} months"
        )
    return text


PRESENTATIONS: dict[str, Presentation] = {
    CustomerCreated.event_type: Presentation(_created, frozenset({"customer"})),
    CustomerUpdated.event_type: Presentation(_updated, frozenset({"changed_fields", "customer"})),
    CustomerLifecycleChanged.event_type: Presentation(
        _lifecycle_changed, frozenset({"from_stage", "to_stage", "changed_by", "changed_at"})
    ),
    CustomerConsentChanged.event_type: Presentation(
        _consent_changed, frozenset({"channel", "granted", "changed_by", "changed_at"})
    ),
    CustomerCreditRated.event_type: Presentation(_credit_rated, CREDIT_KEPT_ON_ERASURE),
    # The contact snapshot names a person: only the ids, version and what changed are kept.
    CustomerContactAdded.event_type: Presentation(
        _contact_added, frozenset({"contact_id", "contact_version"})
    ),
    CustomerContactChanged.event_type: Presentation(
        _contact_changed, frozenset({"contact_id", "contact_version", "changed_fields"})
    ),
    CustomerContactRemoved.event_type: Presentation(
        _contact_removed, frozenset({"contact_id", "contact_version", "removed_at"})
    ),
    CustomerMerged.event_type: Presentation(_merged, frozenset({"merged_customer_id", "customer"})),
    CustomerErased.event_type: Presentation(_erased, frozenset({"erased_at"})),
    CustomerInactive.event_type: Presentation(
        _inactive,
        frozenset(
            {
                "days_inactive",
                "last_activity_at",
                "threshold_days",
                "expected_value",
                "horizon_months",
                "currency",
                "sequence",
                "computed_at",
            }
        ),
    ),
    **{
        event_type: Presentation(summary, kept)
        for event_type, (summary, kept) in (
            sales_presentation.SALES_PRESENTATIONS
            | support_presentation.SUPPORT_PRESENTATIONS
            | marketing_presentation.MARKETING_PRESENTATIONS
        ).items()
    },
}

# Of a record snapshot in an event's data, by its key: the fields kept on erasure.
NESTED_KEPT_ON_ERASURE: dict[str, frozenset[str]] = {
    "customer": SNAPSHOT_KEPT_ON_ERASURE,
    **sales_presentation.SNAPSHOTS_KEPT_ON_ERASURE,
    **support_presentation.SNAPSHOTS_KEPT_ON_ERASURE,
}


def summarize(event_type: str, data: Data) -> str:
    presentation = PRESENTATIONS.get(event_type)
    text = presentation.summarize(data) if presentation else _generic_summary(event_type)
    return _shorten(text)


def scrub(event_type: str, data: Data) -> dict[str, Any]:
    """The event data without personal data (see the module docstring)."""
    presentation = PRESENTATIONS.get(event_type)
    kept = ALWAYS_KEPT | (presentation.kept_on_erasure if presentation else frozenset())
    scrubbed = {key: value for key, value in data.items() if key in kept}
    for key, kept_fields in NESTED_KEPT_ON_ERASURE.items():
        if isinstance(snapshot := scrubbed.get(key), Mapping):
            scrubbed[key] = {k: v for k, v in snapshot.items() if k in kept_fields}
    return scrubbed


def source_service(event_type: str) -> str:
    """``crm.sales.order_placed.v1`` comes from the sales service (one topic per producer)."""
    return event_type.split(".")[1]


def _generic_summary(event_type: str) -> str:
    parts = event_type.split(".")
    domain, name = parts[1], " ".join(parts[2:-1]).replace("_", " ")
    return f"{domain.capitalize()}: {name}"


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_MAX_LENGTH:
        return text
    return text[: SUMMARY_MAX_LENGTH - 1] + "…"
