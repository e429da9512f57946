"""Builders of real ``crm.customer`` contract events, one per event type.

Each builder makes a complete, valid event with fixed defaults, so a test names only what it
is about: ``created("c1", 1, name="Ada Ltd")``, ``erased("c1", 2, erased_at=at(5))``. The
default record is an individual prospect, with every personal field set (``PERSONAL``), made
at ``T0``; ``at(minutes)`` is a time after it. Any snapshot field can be overridden: ``kind``,
``lifecycle_stage``, the personal values, and ``created_at`` / ``updated_at`` for the time.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_shared.contracts.customer import (
    ConsentChannel,
    CreditGrade,
    CustomerConsentChanged,
    CustomerCreated,
    CustomerCreditRated,
    CustomerErased,
    CustomerKind,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerSnapshot,
    CustomerUpdated,
    LifecycleStage,
    OperatingGrade,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# The snapshot's personal values: a test can look for them after an erasure, where none may
# be left.
PERSONAL: dict[str, Any] = {
    "name": "Ada Lovelace",
    "email": "ada@example.org",
    "phone": "+44 20 7946 0000",
    "company": "Analytical Engines Ltd",
    "birth_date": "1815-12-10",
    "city": "London",
    "region": "Greater London",
    "industry": "computing",
    "tags": ["poet-of-science"],
    "segmentation": {"income_band": "high"},
}

_TIMES = frozenset({"created_at", "updated_at"})


def uid(name: str) -> str:
    """A customer id as the master issues them (a UUID) named by a short test name, and
    sorting as the names do: ``uid("c1") < uid("c2")``."""
    return str(uuid.UUID(bytes=name.encode().ljust(16, b"\0")[:16]))


def at(minutes: float) -> datetime:
    """``minutes`` after ``T0``."""
    return T0 + timedelta(minutes=minutes)


def snapshot(customer_id: str, version: int = 1, **fields: Any) -> CustomerSnapshot:
    """The record as the customer master holds it at ``version``; ``fields`` override any
    default."""
    values: dict[str, Any] = {
        "id": customer_id,
        "kind": CustomerKind.INDIVIDUAL,
        "lifecycle_stage": LifecycleStage.PROSPECT,
        "credit_grade": CreditGrade.B,
        "operating_grade": OperatingGrade.GRADE_1,
        "owner": "rep-7",
        "source": "web",
        "consent": {ConsentChannel.EMAIL: True, ConsentChannel.SMS: False},
        "version": version,
        "created_at": T0,
        "updated_at": T0,
        **PERSONAL,
    }
    return CustomerSnapshot.model_validate({**values, **fields})


def created(customer_id: str, version: int = 1, **fields: Any) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer_id,
        customer_version=version,
        customer=snapshot(customer_id, version, **fields),
    )


def updated(customer_id: str, version: int, **fields: Any) -> CustomerUpdated:
    """The whole new snapshot; the overridden fields (other than its times) are the
    changed ones."""
    return CustomerUpdated(
        customer_id=customer_id,
        customer_version=version,
        changed_fields=sorted(set(fields) - _TIMES),
        customer=snapshot(customer_id, version, **fields),
    )


def lifecycle_changed(
    customer_id: str,
    version: int,
    to_stage: LifecycleStage,
    from_stage: LifecycleStage | None = LifecycleStage.PROSPECT,
    reason: str | None = None,
    changed_at: datetime = T0,
) -> CustomerLifecycleChanged:
    return CustomerLifecycleChanged(
        customer_id=customer_id,
        customer_version=version,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        changed_by="rep-7",
        changed_at=changed_at,
    )


def consent_changed(
    customer_id: str,
    version: int,
    channel: ConsentChannel,
    granted: bool,
    changed_at: datetime = T0,
    source: str | None = "preference centre",
) -> CustomerConsentChanged:
    return CustomerConsentChanged(
        customer_id=customer_id,
        customer_version=version,
        channel=channel,
        granted=granted,
        source=source,
        changed_at=changed_at,
    )


def credit_rated(
    customer_id: str,
    version: int,
    credit_grade: CreditGrade | None,
    operating_grade: OperatingGrade | None = None,
    reason: str | None = None,
) -> CustomerCreditRated:
    return CustomerCreditRated(
        customer_id=customer_id,
        customer_version=version,
        credit_grade=credit_grade,
        operating_grade=operating_grade,
        basis="manual",
        reason=reason,
        rated_by="controller-1",
    )


def merged(survivor_id: str, alias_id: str, version: int, **fields: Any) -> CustomerMerged:
    """``alias_id`` merged into ``survivor_id``, with the survivor's snapshot at ``version``."""
    return CustomerMerged(
        customer_id=survivor_id,
        customer_version=version,
        merged_customer_id=alias_id,
        customer=snapshot(survivor_id, version, **fields),
    )


def erased(customer_id: str, version: int, erased_at: datetime = T0) -> CustomerErased:
    return CustomerErased(customer_id=customer_id, customer_version=version, erased_at=erased_at)
