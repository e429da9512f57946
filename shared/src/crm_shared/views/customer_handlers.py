"""The projection that keeps a customer view up to date with the ``crm.customer`` events.

It takes a whole run of events (see :mod:`crm_shared.bus.handlers`): the rows the run
touches are read in one query, the events are folded over them in memory, in order, and the
outcome is written back with one INSERT and one executemany UPDATE (:mod:`crm_shared.db.rowset`).

Guarded transitions (an event applies only if it moves the record forward):
- an event applies only if its ``customer_version`` is greater than the stored one, so a
  replay, a duplicate or an event overtaken by a newer one changes nothing;
- an erased customer is final: the tombstone ignores every later event, whatever its version;
- a merged alias is final too (only erasure still reaches it): reads follow it to the survivor.

Events for a customer the view does not know yet (its ``created`` fell outside a replay
window): full-snapshot events (created, updated, merged) insert the record; a partial event
(lifecycle, consent, credit) inserts a minimal row holding just what it carries, if this view
keeps any of it, so that an opt-out or a downgrade is never lost; the next full snapshot
fills in the rest. Erasure of an unknown customer leaves a tombstone, so that a late event
cannot bring the personal data back. No handler raises for an out-of-order event (raising
would dead-letter it).
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from crm_shared.bus.handlers import BatchHandler, Delivery
from crm_shared.contracts.customer import (
    CUSTOMER_EVENTS,
    CustomerConsentChanged,
    CustomerCreated,
    CustomerCreditRated,
    CustomerErased,
    CustomerLifecycleChanged,
    CustomerMerged,
    CustomerSnapshot,
    CustomerStatus,
    CustomerUpdated,
)
from crm_shared.db.rowset import BulkRows, Row, RowSet
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.registry import IntegrationEvent
from crm_shared.privacy import scrub_from_disk
from crm_shared.views.customer_view import SCRUBBED, CustomerView

ACTIVE = CustomerStatus.ACTIVE.value
MERGED = CustomerStatus.MERGED.value
ERASED = CustomerStatus.ERASED.value

Changes = Callable[[Row | None], Row]


def customer_view_handlers(view: CustomerView) -> dict[type[IntegrationEvent], BatchHandler]:
    """The ``{event: handler}`` map a service registers to keep ``view`` up to date."""
    projection = CustomerViewProjection(view)
    return dict.fromkeys(CUSTOMER_EVENTS, projection)


class CustomerViewProjection:
    handles_batches = True

    def __init__(self, view: CustomerView) -> None:
        self.view = view

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        store = BulkRows(uow.session, self.view.table)
        touched = set()
        for delivery in deliveries:
            event = delivery.event
            touched.add(event.customer_id)
            if isinstance(event, CustomerCreated | CustomerUpdated | CustomerMerged):
                touched.add(event.customer.id)
            if isinstance(event, CustomerMerged):
                touched.add(event.merged_customer_id)
        rows = RowSet(await store.load(touched))
        erased = False
        for delivery in deliveries:
            erased |= _Fold(self.view, rows, delivery.envelope.time).apply(delivery.event)
        await store.write(rows)
        if erased:
            scrub_from_disk(uow)  # the scrubbed values must not linger in the WAL


class _Fold:
    """One event's effect on the rows in memory."""

    def __init__(self, view: CustomerView, rows: RowSet, at: datetime) -> None:
        self.view = view
        self.rows = rows
        self.at = at

    def apply(self, event: IntegrationEvent) -> bool:
        """Fold ``event`` in; True if it erased a customer's personal data."""
        self.erased = False
        match event:
            case CustomerCreated() | CustomerUpdated():
                self._snapshot(event.customer_version, event.customer)
            case CustomerLifecycleChanged():
                stage = {"lifecycle_stage": event.to_stage.value}
                self._partial(event.customer_id, event.customer_version, stage)
            case CustomerConsentChanged():
                channel, granted = event.channel.value, event.granted

                def consent(row: Row | None) -> Row:
                    known = dict((row or {}).get("consent") or {})
                    return {"consent": {**known, channel: granted}}

                self._partial(event.customer_id, event.customer_version, consent)
            case CustomerCreditRated():
                # The event states both grades after the rating (null: not rated).
                grades = {
                    "credit_grade": _value(event.credit_grade),
                    "operating_grade": _value(event.operating_grade),
                }
                self._partial(event.customer_id, event.customer_version, grades)
            case CustomerMerged():
                self._merge(event)
            case CustomerErased():
                self._erase(event.customer_id, event.customer_version)
        return self.erased

    def _snapshot(self, version: int, snapshot: CustomerSnapshot) -> None:
        if snapshot.status is CustomerStatus.ERASED:
            self._erase(snapshot.id, version)
            return
        if snapshot.status is CustomerStatus.MERGED:
            return  # a merged record's own snapshot: the merge event sets the pointer
        values = self.view.only_kept(_snapshot_values(snapshot))
        self._change(snapshot.id, version, lambda _row: values, create=True)

    def _partial(self, customer_id: str, version: int, changes: Changes | Row) -> None:
        def kept(row: Row | None) -> Row:
            return self.view.only_kept(changes(row) if callable(changes) else changes)

        # An unknown customer gets a minimal row only if this view keeps what the event says.
        self._change(customer_id, version, kept, create=bool(kept(None)))

    def _change(self, customer_id: str, version: int, changes: Changes, *, create: bool) -> None:
        bookkeeping = {"customer_version": version, "updated_at": self.at}
        row = self.rows.get(customer_id)
        if row is None:
            if create:
                new_row = {**changes(None), "id": customer_id, "status": ACTIVE, **bookkeeping}
                self.rows.insert(customer_id, new_row)
            return
        if row["status"] != ACTIVE or version <= row["customer_version"]:
            return
        self.rows.update(customer_id, {**changes(row), **bookkeeping})

    def _merge(self, event: CustomerMerged) -> None:
        self._snapshot(event.customer_version, event.customer)
        alias_id = event.merged_customer_id
        if alias_id == event.customer_id:
            return
        pointer = {**SCRUBBED, "status": MERGED, "merged_into": event.customer_id}
        alias = self.rows.get(alias_id)
        if alias is None:
            new_alias = {**pointer, "id": alias_id, "customer_version": 0, "updated_at": self.at}
            self.rows.insert(alias_id, new_alias)
        elif alias["status"] == ACTIVE:
            self.rows.update(alias_id, {**pointer, "updated_at": self.at})

    def _erase(self, customer_id: str, version: int) -> None:
        self.erased = True
        tombstone = {**SCRUBBED, "status": ERASED, "updated_at": self.at}
        row = self.rows.get(customer_id)
        if row is None:
            new_row = {**tombstone, "id": customer_id, "customer_version": version}
            self.rows.insert(customer_id, new_row)
        elif row["status"] != ERASED:
            version = max(version, row["customer_version"])
            self.rows.update(customer_id, {**tombstone, "customer_version": version})


def _snapshot_values(snapshot: CustomerSnapshot) -> Row:
    return {
        "kind": snapshot.kind.value,
        "name": snapshot.name,
        "lifecycle_stage": snapshot.lifecycle_stage.value,
        "status": ACTIVE,
        "merged_into": None,
        "email": snapshot.email,
        "phone": snapshot.phone,
        "company": snapshot.company,
        "credit_grade": _value(snapshot.credit_grade),
        "operating_grade": _value(snapshot.operating_grade),
        "owner": snapshot.owner,
        "tags": list(snapshot.tags),
        "consent": {channel.value: granted for channel, granted in snapshot.consent.items()},
        "external_id": snapshot.external_id,
        "birth_date": snapshot.birth_date,
        "postal_address": (
            snapshot.postal_address.model_dump() if snapshot.postal_address is not None else None
        ),
        "time_zone": snapshot.time_zone,
    }


def _value(member: Any) -> Any:
    return None if member is None else member.value
