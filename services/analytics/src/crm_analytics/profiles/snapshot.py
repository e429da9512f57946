"""What a full-state customer event makes of a profile's columns (pure functions)."""

from datetime import datetime
from typing import Any

from crm_shared.contracts.customer import CustomerSnapshot, CustomerStatus

from crm_analytics.db import aware

ERASED = CustomerStatus.ERASED.value


def snapshot_values(
    current_consent: dict[str, Any], snapshot: CustomerSnapshot, applied_at: datetime
) -> dict[str, Any]:
    """The profile's columns after ``snapshot`` (all but the key and the version)."""
    consent = _consent_after_snapshot(current_consent, snapshot)
    return {**snapshot_columns(snapshot), "consent": consent, "updated_at": applied_at}


def snapshot_columns(snapshot: CustomerSnapshot) -> dict[str, Any]:
    # Only an erasure event erases: it also scrubs the timeline, which a snapshot cannot do.
    status = snapshot.status if snapshot.status != CustomerStatus.ERASED else CustomerStatus.ACTIVE
    return {
        "status": status.value,
        "kind": snapshot.kind.value,
        "name": snapshot.name,
        "email": snapshot.email,
        "phone": snapshot.phone,
        "company": snapshot.company,
        "owner": snapshot.owner,
        "source": snapshot.source,
        "tags": list(snapshot.tags),
        "birth_date": snapshot.birth_date,
        "region": snapshot.region,
        "city": snapshot.city,
        "industry": snapshot.industry,
        "segmentation": dict(snapshot.segmentation),
        "lifecycle_stage": snapshot.lifecycle_stage.value,
        "credit_grade": snapshot.credit_grade.value if snapshot.credit_grade else None,
        "operating_grade": snapshot.operating_grade.value if snapshot.operating_grade else None,
        "created_at": snapshot.created_at,
    }


def consent_entry(granted: bool, changed_at: datetime, source: str | None) -> dict[str, Any]:
    return {"granted": granted, "changed_at": aware(changed_at).isoformat(), "source": source}


def _consent_after_snapshot(current: dict[str, Any], snapshot: CustomerSnapshot) -> dict[str, Any]:
    """A snapshot's ``consent_details`` say each channel's decision, its source and time (a
    merged survivor's include what it took from the duplicate): they are taken as they are.
    An older snapshot says only granted or not: a channel keeps its time of change unless
    the snapshot changes it (then the snapshot's time is the best one known)."""
    consent = dict(current)
    for channel, granted in snapshot.consent.items():
        detail = snapshot.consent_details.get(channel)
        if detail is not None and detail.granted == granted:
            changed_at = detail.changed_at or snapshot.updated_at
            consent[channel.value] = consent_entry(granted, changed_at, detail.source)
            continue
        known = current.get(channel.value)
        if known is None or known.get("granted") != granted:
            consent[channel.value] = consent_entry(granted, snapshot.updated_at, None)
    return consent
