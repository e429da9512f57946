"""The profile projection of a run of events: read in sets, folded in memory, written in bulk.

A run is cut at merges and erasures, which rewrite whole histories and are rare: they are
applied one by one (:mod:`crm_analytics.profiles.identity`). Every stretch in between is
projected in four steps:
  1. one query finds which customers are aliases of others, one reads (and on PostgreSQL
     locks) every profile the stretch lands on, one every contact it names;
  2. the events are folded over those rows in memory, in order, with the same guards as
     always (an erased profile takes nothing; only a newer ``customer_version`` changes the
     profile; an event about a merged-away customer only adds history). Contact events are
     guarded per contact: only a newer ``contact_version`` changes it, a removal is final
     (the row stays, without personal data, as a tombstone). A contact event about a
     merged-away customer lands on the survivor, not as its primary contact (a merge makes
     the moved contacts secondary, as the customer master does);
  3. the timeline and lifecycle history rows are collected;
  4. everything is written with one statement per table (multi-row INSERT … ON CONFLICT DO
     NOTHING, executemany UPDATE by key).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.customer import (
    ContactEvent,
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
    LifecycleStage,
)
from crm_shared.db import UnitOfWork, table_of
from crm_shared.db.rowset import BulkRows, Row, RowSet

from crm_analytics.db import aware
from crm_analytics.profiles.identity import project_erasure, project_merge
from crm_analytics.profiles.models import Profile, ProfileContact
from crm_analytics.profiles.repository import ProfileRepository
from crm_analytics.profiles.snapshot import ERASED, consent_entry, snapshot_values
from crm_analytics.timeline.repository import TimelineRepository
from crm_analytics.timeline.service import timeline_entry

# What a removed contact keeps: nothing that could name the person.
REMOVED_CONTACT: Row = {
    "name": None,
    "email": None,
    "phone": None,
    "job_title": None,
    "department": None,
    "buying_roles": [],
    "is_primary": False,
}


class ProfileProjection:
    """The batch handler for every event analytics consumes."""

    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        stretch: list[Delivery] = []
        for delivery in deliveries:
            event = delivery.event
            if isinstance(event, CustomerMerged | CustomerErased):
                await _project_stretch(uow, stretch)
                stretch = []
                if isinstance(event, CustomerMerged):
                    await project_merge(uow, event, delivery.envelope)
                else:
                    await project_erasure(uow, event, delivery.envelope)
            else:
                stretch.append(delivery)
        await _project_stretch(uow, stretch)


async def _project_stretch(uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
    about = [(d, d.event.about_customer) for d in deliveries]
    about = [(d, customer_id) for d, customer_id in about if customer_id is not None]
    if not about:
        return
    profiles = ProfileRepository(uow.session)
    survivors = await profiles.survivors_of({customer_id for _, customer_id in about})
    store = BulkRows(uow.session, table_of(Profile), key="customer_id")
    rows = RowSet(await store.load({survivors.get(c, c) for _, c in about}))
    contact_store = BulkRows(uow.session, table_of(ProfileContact), key="contact_id")
    named = {d.event.contact_id for d, _ in about if isinstance(d.event, ContactEvent)}
    contacts = RowSet(await contact_store.load(named))
    fold = _Fold(rows, contacts)
    for delivery, customer_id in about:
        fold.apply(delivery, survivors.get(customer_id, customer_id), customer_id in survivors)
    await TimelineRepository(uow.session).add_many(fold.timeline)
    await profiles.add_lifecycle_changes(fold.lifecycle)
    await store.write(rows)
    await contact_store.write(contacts)
    await profiles.replace_tags_of(fold.retagged, rows)


class _Fold:
    def __init__(self, rows: RowSet, contacts: RowSet) -> None:
        self.rows = rows
        self.contacts = contacts
        self.timeline: list[Row] = []
        self.lifecycle: list[Row] = []
        self.retagged: set[str] = set()

    def apply(self, delivery: Delivery, target_id: str, via_alias: bool) -> None:
        row = self.rows.get(target_id)
        if row is not None and row["status"] == ERASED:
            return  # nothing personal may come back
        event, envelope = delivery.event, delivery.envelope
        self.timeline.append(timeline_entry(envelope, target_id, event.about_customer))
        # An alias's events only add history: the survivor's snapshot holds its record.
        accepts = (
            not via_alias
            and row is not None
            and getattr(event, "customer_version", 0) > row["version"]
        )
        at = envelope.time
        match event:
            case CustomerCreated() | CustomerUpdated():
                if isinstance(event, CustomerCreated):
                    # The first stage is the start of the lifecycle history.
                    stage = event.customer.lifecycle_stage
                    self._lifecycle(delivery.id, target_id, None, stage, event.customer.created_at)
                if via_alias:
                    return
                values = snapshot_values(row["consent"] if row else {}, event.customer, at)
                if row is None:
                    row = {"customer_id": target_id, "version": event.customer_version, **values}
                    self.rows.insert(target_id, row)
                    self.retagged.add(target_id)
                elif accepts:
                    if row["tags"] != values["tags"]:
                        self.retagged.add(target_id)
                    self.rows.update(target_id, {"version": event.customer_version, **values})
            case CustomerLifecycleChanged():
                # History keeps every change, late ones too; the stage only moves forward.
                self._lifecycle(
                    delivery.id, target_id, event.from_stage, event.to_stage,
                    aware(event.changed_at), event.reason, event.changed_by,
                )  # fmt: skip
                if accepts:
                    self._set(target_id, event, {"lifecycle_stage": event.to_stage.value}, at)
            case CustomerConsentChanged() if accepts:
                assert row is not None
                entry = consent_entry(event.granted, event.changed_at, event.source)
                consent = {**row["consent"], event.channel.value: entry}
                self._set(target_id, event, {"consent": consent}, at)
            case CustomerCreditRated() if accepts:
                grades: dict[str, Any] = {
                    "credit_grade": event.credit_grade.value if event.credit_grade else None,
                    "credit_basis": event.basis,
                    "credit_rated_at": at,
                }
                # The contract cannot tell "not re-rated" from "cleared": None keeps the
                # operating grade; the next snapshot corrects it.
                if event.operating_grade is not None:
                    grades["operating_grade"] = event.operating_grade.value
                self._set(target_id, event, grades, at)
            case CustomerContactAdded() | CustomerContactChanged():
                self._contact(event, target_id, via_alias, at)
            case CustomerContactRemoved():
                self._contact_removed(event, target_id, at)

    def _contact(
        self,
        event: CustomerContactAdded | CustomerContactChanged,
        target_id: str,
        via_alias: bool,
        at: datetime,
    ) -> None:
        held = self.contacts.get(event.contact_id)
        if held is not None and (
            held["removed_at"] is not None or event.contact_version <= held["version"]
        ):
            return  # removed for good, or already as new
        contact = event.contact
        values: Row = {
            "contact_id": event.contact_id,
            "customer_id": target_id,
            "version": event.contact_version,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "job_title": contact.job_title,
            "department": contact.department,
            "buying_roles": list(contact.buying_roles),
            "is_primary": contact.is_primary and not via_alias,
            "updated_at": at,
            "removed_at": None,
        }
        if held is None:
            self.contacts.insert(event.contact_id, values)
        else:
            self.contacts.update(event.contact_id, values)

    def _contact_removed(self, event: CustomerContactRemoved, target_id: str, at: datetime) -> None:
        held = self.contacts.get(event.contact_id)
        if held is not None and held["removed_at"] is not None:
            return
        values: Row = {
            "contact_id": event.contact_id,
            "customer_id": target_id,
            "version": max(event.contact_version, held["version"] if held else 0),
            **REMOVED_CONTACT,
            "updated_at": at,
            "removed_at": aware(event.removed_at),
        }
        if held is None:
            self.contacts.insert(event.contact_id, values)
        else:
            self.contacts.update(event.contact_id, values)

    def _set(self, target_id: str, event: Any, values: Row, at: datetime) -> None:
        self.rows.update(target_id, {**values, "version": event.customer_version, "updated_at": at})

    def _lifecycle(
        self,
        event_id: str,
        target_id: str,
        from_stage: LifecycleStage | None,
        to_stage: LifecycleStage,
        changed_at: datetime,
        reason: str | None = None,
        changed_by: str | None = None,
    ) -> None:
        self.lifecycle.append(
            {
                "event_id": event_id,
                "customer_id": target_id,
                "from_stage": from_stage.value if from_stage else None,
                "to_stage": to_stage.value,
                "reason": reason,
                "changed_by": changed_by,
                "changed_at": changed_at,
            }
        )
