"""The handlers that keep a customer view up to date with the ``crm.customer`` events.

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

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_shared.bus.consumer import EventHandler
from crm_shared.contracts.customer import (
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
from crm_shared.db.uow import UnitOfWork
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.registry import IntegrationEvent
from crm_shared.views.customer_view import SCRUBBED, CustomerView, CustomerViewRepository

ACTIVE = CustomerStatus.ACTIVE.value
MERGED = CustomerStatus.MERGED.value
ERASED = CustomerStatus.ERASED.value

Row = dict[str, Any]
Changes = Callable[[Row | None], Row]


def customer_view_handlers(view: CustomerView) -> dict[type[IntegrationEvent], EventHandler]:
    """The ``{event: handler}`` map a service registers to keep ``view`` up to date."""
    handlers = CustomerViewHandlers(view)
    return {
        CustomerCreated: handlers.on_created,
        CustomerUpdated: handlers.on_updated,
        CustomerLifecycleChanged: handlers.on_lifecycle_changed,
        CustomerConsentChanged: handlers.on_consent_changed,
        CustomerCreditRated: handlers.on_credit_rated,
        CustomerMerged: handlers.on_merged,
        CustomerErased: handlers.on_erased,
    }


class CustomerViewHandlers:
    def __init__(self, view: CustomerView) -> None:
        self.view = view

    async def on_created(
        self, uow: UnitOfWork, event: CustomerCreated, envelope: CloudEvent
    ) -> None:
        await self._apply_snapshot(uow, event.customer_version, event.customer, envelope.time)

    async def on_updated(
        self, uow: UnitOfWork, event: CustomerUpdated, envelope: CloudEvent
    ) -> None:
        await self._apply_snapshot(uow, event.customer_version, event.customer, envelope.time)

    async def on_lifecycle_changed(
        self, uow: UnitOfWork, event: CustomerLifecycleChanged, envelope: CloudEvent
    ) -> None:
        stage = {"lifecycle_stage": event.to_stage.value}
        await self._apply_partial(uow, event.customer_id, event.customer_version, envelope, stage)

    async def on_consent_changed(
        self, uow: UnitOfWork, event: CustomerConsentChanged, envelope: CloudEvent
    ) -> None:
        def consent(row: Row | None) -> Row:
            known = dict((row or {}).get("consent") or {})
            return {"consent": {**known, event.channel.value: event.granted}}

        await self._apply_partial(uow, event.customer_id, event.customer_version, envelope, consent)

    async def on_credit_rated(
        self, uow: UnitOfWork, event: CustomerCreditRated, envelope: CloudEvent
    ) -> None:
        # The event states both grades after the rating (null: not rated).
        grades = {
            "credit_grade": _value(event.credit_grade),
            "operating_grade": _value(event.operating_grade),
        }
        await self._apply_partial(uow, event.customer_id, event.customer_version, envelope, grades)

    async def on_merged(self, uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
        await self._apply_snapshot(uow, event.customer_version, event.customer, envelope.time)
        alias_id = event.merged_customer_id
        if alias_id == event.customer_id:
            return
        repository = self.view.repository(uow.session)
        pointer = {**SCRUBBED, "status": MERGED, "merged_into": event.customer_id}
        new_alias = {**pointer, "id": alias_id, "customer_version": 0, "updated_at": envelope.time}
        alias = await _locked_or_inserted(repository, alias_id, new_alias)
        if alias is not None and alias["status"] == ACTIVE:
            await repository.update(alias_id, {**pointer, "updated_at": envelope.time})

    async def on_erased(self, uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
        await self._erase(uow, event.customer_id, event.customer_version, envelope.time)

    async def _apply_snapshot(
        self, uow: UnitOfWork, version: int, snapshot: CustomerSnapshot, at: datetime
    ) -> None:
        if snapshot.status is CustomerStatus.ERASED:
            await self._erase(uow, snapshot.id, version, at)
            return
        if snapshot.status is CustomerStatus.MERGED:
            return  # a merged record's own snapshot: the merge event sets the pointer
        values = self.view.only_kept(_snapshot_values(snapshot))
        await self._apply(uow, snapshot.id, version, at, lambda _row: values, create=True)

    async def _apply_partial(
        self,
        uow: UnitOfWork,
        customer_id: str,
        version: int,
        envelope: CloudEvent,
        changes: Changes | Row,
    ) -> None:
        def kept(row: Row | None) -> Row:
            return self.view.only_kept(changes(row) if callable(changes) else changes)

        # An unknown customer gets a minimal row only if this view keeps what the event says.
        create = bool(kept(None))
        await self._apply(uow, customer_id, version, envelope.time, kept, create=create)

    async def _apply(
        self,
        uow: UnitOfWork,
        customer_id: str,
        version: int,
        at: datetime,
        changes: Changes,
        *,
        create: bool,
    ) -> None:
        repository = self.view.repository(uow.session)
        bookkeeping = {"customer_version": version, "updated_at": at}
        new_row = {**changes(None), "id": customer_id, "status": ACTIVE, **bookkeeping}
        row = await _locked_or_inserted(repository, customer_id, new_row if create else None)
        if row is None or row["status"] != ACTIVE or version <= row["customer_version"]:
            return
        await repository.update(customer_id, {**changes(row), **bookkeeping})

    async def _erase(self, uow: UnitOfWork, customer_id: str, version: int, at: datetime) -> None:
        repository = self.view.repository(uow.session)
        tombstone = {**SCRUBBED, "status": ERASED, "updated_at": at}
        new_row = {**tombstone, "id": customer_id, "customer_version": version}
        row = await _locked_or_inserted(repository, customer_id, new_row)
        if row is not None and row["status"] != ERASED:
            version = max(version, row["customer_version"])
            await repository.update(customer_id, {**tombstone, "customer_version": version})


async def _locked_or_inserted(
    repository: CustomerViewRepository, customer_id: str, new_row: Row | None
) -> Row | None:
    """The customer's row, locked for the update to come; or None once ``new_row`` is
    inserted in its place (nothing left to do), or when there is no row and no ``new_row``.
    A row another consumer instance inserted meanwhile is returned like one found at once."""
    row = await repository.get(customer_id, for_update=True)
    if row is not None or new_row is None:
        return row
    if await repository.insert_new(new_row):
        return None
    return await repository.get(customer_id, for_update=True)


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
    }


def _value(member: Any) -> Any:
    return None if member is None else member.value
