"""Projection of customer events onto the profile (the write side of the 360 view).

Every handler follows the same steps (see :func:`begin`):
  1. find the profile the event lands on: the customer itself, or the survivor when the
     customer was merged away; on PostgreSQL its row stays locked until commit;
  2. drop the event if that profile is erased (nothing personal may come back);
  3. put the event on the timeline (idempotent by event id);
  4. change the profile only if the event's ``customer_version`` is newer than the stored
     one, so duplicates, replays and late events never move it backwards. Events about a
     merged-away customer only add history: the survivor's snapshot already says what the
     merged record looks like.
Nothing here commits: the shared consumer commits the inbox row and these changes together.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.contracts.customer import (
    CustomerConsentChanged,
    CustomerCreated,
    CustomerCreditRated,
    CustomerLifecycleChanged,
    CustomerSnapshot,
    CustomerStatus,
    CustomerUpdated,
)
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent, IntegrationEvent

from crm_analytics.db import aware
from crm_analytics.profiles.repository import ProfileRepository, ProfileState
from crm_analytics.timeline import service as timeline

ERASED = CustomerStatus.ERASED.value


@dataclass(frozen=True)
class Target:
    """The profile an event lands on."""

    customer_id: str
    state: ProfileState | None  # None: no profile yet
    via_alias: bool  # the event named a customer since merged into this one

    @property
    def erased(self) -> bool:
        return self.state is not None and self.state.status == ERASED

    def accepts(self, customer_version: int) -> bool:
        """Whether an event of this version may change the existing profile."""
        return (
            not self.via_alias and self.state is not None and customer_version > self.state.version
        )


async def locate(profiles: ProfileRepository, customer_id: str) -> Target:
    # A merge deletes the alias's profile row, so an existing row means "not an alias": the
    # common case costs one primary-key read, the alias table is read only on a miss.
    state = await profiles.lock_state(customer_id)
    if state is not None:
        return Target(customer_id, state, via_alias=False)
    survivor_id = await profiles.survivor_of(customer_id)
    if survivor_id is None:
        return Target(customer_id, None, via_alias=False)
    return Target(survivor_id, await profiles.lock_state(survivor_id), via_alias=True)


async def begin(
    uow: UnitOfWork, event: IntegrationEvent, envelope: CloudEvent
) -> tuple[ProfileRepository, Target] | None:
    """Steps 1-3 above; None when the event is dropped."""
    profiles = ProfileRepository(uow.session)
    target = await locate(profiles, event.customer_id)
    if target.erased:
        return None
    await timeline.record(uow.session, envelope, target.customer_id, event.customer_id)
    return profiles, target


async def record_on_timeline(
    uow: UnitOfWork, event: IntegrationEvent, envelope: CloudEvent
) -> None:
    """For event types that only add history (until a later issue projects them further)."""
    await begin(uow, event, envelope)


async def project_created(uow: UnitOfWork, event: CustomerCreated, envelope: CloudEvent) -> None:
    step = await begin(uow, event, envelope)
    if step is None:
        return
    profiles, target = step
    snapshot = event.customer
    # The first stage is the start of the lifecycle history.
    await profiles.add_lifecycle_change(
        {
            "event_id": str(envelope.id),
            "customer_id": target.customer_id,
            "from_stage": None,
            "to_stage": snapshot.lifecycle_stage.value,
            "reason": None,
            "changed_by": None,
            "changed_at": snapshot.created_at,
        }
    )
    await apply_snapshot(profiles, target, event.customer_version, snapshot, envelope.time)


async def project_updated(uow: UnitOfWork, event: CustomerUpdated, envelope: CloudEvent) -> None:
    step = await begin(uow, event, envelope)
    if step is not None:
        profiles, target = step
        await apply_snapshot(
            profiles, target, event.customer_version, event.customer, envelope.time
        )


async def project_lifecycle_change(
    uow: UnitOfWork, event: CustomerLifecycleChanged, envelope: CloudEvent
) -> None:
    step = await begin(uow, event, envelope)
    if step is None:
        return
    profiles, target = step
    # History keeps every change, late ones included; the current stage only moves forward.
    await profiles.add_lifecycle_change(
        {
            "event_id": str(envelope.id),
            "customer_id": target.customer_id,
            "from_stage": event.from_stage.value if event.from_stage else None,
            "to_stage": event.to_stage.value,
            "reason": event.reason,
            "changed_by": event.changed_by,
            "changed_at": aware(event.changed_at),
        }
    )
    if target.accepts(event.customer_version):
        await profiles.update_if_older(
            target.customer_id,
            event.customer_version,
            {"lifecycle_stage": event.to_stage.value, "updated_at": envelope.time},
        )


async def project_consent_change(
    uow: UnitOfWork, event: CustomerConsentChanged, envelope: CloudEvent
) -> None:
    step = await begin(uow, event, envelope)
    if step is None:
        return
    profiles, target = step
    if target.accepts(event.customer_version):
        assert target.state is not None
        consent = dict(target.state.consent)
        consent[event.channel.value] = _consent_entry(event.granted, event.changed_at, event.source)
        await profiles.update_if_older(
            target.customer_id,
            event.customer_version,
            {"consent": consent, "updated_at": envelope.time},
        )


async def project_credit_rating(
    uow: UnitOfWork, event: CustomerCreditRated, envelope: CloudEvent
) -> None:
    step = await begin(uow, event, envelope)
    if step is None:
        return
    profiles, target = step
    if target.accepts(event.customer_version):
        values: dict[str, Any] = {
            "credit_grade": event.credit_grade.value if event.credit_grade else None,
            "credit_basis": event.basis,
            "credit_rated_at": envelope.time,
            "updated_at": envelope.time,
        }
        # The operating grade is optional (default None) in the event: the contract cannot tell
        # "not re-rated" from "cleared", so None keeps the grade; the next snapshot corrects it.
        if event.operating_grade is not None:
            values["operating_grade"] = event.operating_grade.value
        await profiles.update_if_older(target.customer_id, event.customer_version, values)


async def apply_snapshot(
    profiles: ProfileRepository,
    target: Target,
    customer_version: int,
    snapshot: CustomerSnapshot,
    applied_at: datetime,
) -> None:
    """Make the profile say what a full-state event says (a new profile if there is none)."""
    if target.via_alias:
        return
    state = target.state
    consent = _consent_after_snapshot(state.consent if state else {}, snapshot)
    values = {**snapshot_columns(snapshot), "consent": consent, "updated_at": applied_at}
    if state is None:
        await profiles.insert(
            {"customer_id": target.customer_id, "version": customer_version, **values}
        )
        await profiles.add_tags(target.customer_id, values["tags"])
    elif target.accepts(customer_version):
        await profiles.update_if_older(target.customer_id, customer_version, values)
        if state.tags != values["tags"]:
            await profiles.replace_tags(target.customer_id, values["tags"])


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


def _consent_after_snapshot(current: dict[str, Any], snapshot: CustomerSnapshot) -> dict[str, Any]:
    """A snapshot says only granted or not; a channel keeps its time of change unless the
    snapshot changes it (then the snapshot's time is the best one known)."""
    consent = dict(current)
    for channel, granted in snapshot.consent.items():
        known = current.get(channel.value)
        if known is None or known.get("granted") != granted:
            consent[channel.value] = _consent_entry(granted, snapshot.updated_at, None)
    return consent


def _consent_entry(granted: bool, changed_at: datetime, source: str | None) -> dict[str, Any]:
    return {"granted": granted, "changed_at": aware(changed_at).isoformat(), "source": source}
