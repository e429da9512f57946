"""Who a profile belongs to: merges (aliases) and erasure.

Merge: ``crm.customer.merged.v1`` names the survivor (``customer_id``) and the customer merged
into it (``merged_customer_id``). The merged id becomes an alias of the survivor, its profile
row goes (the survivor's snapshot holds the merged record), its timeline and lifecycle
history join the survivor's, and so do its contacts (none of them primary). Aliases of the
merged customer are re-pointed, so chains stay one hop long. Merges may be consumed out of
order (they are keyed by different survivors): a survivor that is itself an alias already
resolves to the final one.

Erasure: the profile becomes an anonymous tombstone, its contacts are deleted, and every
timeline row keeps only its type, time and the data listed as non-personal (see
``timeline.presentation``). Later events for the customer (or any alias of it) are dropped.
An erasure that names an alias erases the survivor: a merge said they are the same person.
"""

from typing import Any

from crm_shared.contracts.customer import CustomerErased, CustomerMerged
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent
from crm_shared.privacy import scrub_from_disk

from crm_analytics.db import aware
from crm_analytics.profiles.repository import ProfileRepository
from crm_analytics.profiles.service import Target, apply_snapshot, locate
from crm_analytics.profiles.snapshot import ERASED
from crm_analytics.timeline import service as timeline

# Personal fields of the profile and what they become on erasure. Kept: kind, stage, grades,
# owner (an employee), source (an acquisition channel), times: they let counts add up.
ERASED_VALUES: dict[str, Any] = {
    "name": None,
    "email": None,
    "phone": None,
    "company": None,
    "birth_date": None,
    "region": None,
    "city": None,
    "industry": None,
    "tags": [],
    "segmentation": {},
    "consent": {},
}


async def project_merge(uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent) -> None:
    profiles = ProfileRepository(uow.session)
    survivor = await locate(profiles, event.customer_id)
    alias_id = event.merged_customer_id
    if alias_id != survivor.customer_id:  # never alias a customer to itself
        await _make_alias(uow, profiles, alias_id, survivor.customer_id, envelope)
    await timeline.record(uow.session, envelope, survivor.customer_id, event.customer_id)
    if survivor.erased:
        # A late merge into an erased profile: the history that just joined it is scrubbed.
        await timeline.scrub_history(uow.session, survivor.customer_id)
        await profiles.scrub_lifecycle_reasons(survivor.customer_id)
        await profiles.delete_contacts(survivor.customer_id)
        scrub_from_disk(uow)
        return
    await apply_snapshot(profiles, survivor, event.customer_version, event.customer, envelope.time)


async def _make_alias(
    uow: UnitOfWork,
    profiles: ProfileRepository,
    alias_id: str,
    survivor_id: str,
    envelope: CloudEvent,
) -> None:
    # Deleting the alias's row first makes a concurrent handler of an alias event (which
    # holds that row locked) finish before its history is moved, and makes the next one
    # find the alias instead of the row.
    await profiles.delete(alias_id)
    await profiles.set_alias(alias_id, survivor_id, envelope.time, str(envelope.id))
    await timeline.join_histories(uow.session, alias_id, survivor_id)
    await profiles.move_lifecycle_history(alias_id, survivor_id)
    await profiles.move_contacts(alias_id, survivor_id)


async def project_erasure(uow: UnitOfWork, event: CustomerErased, envelope: CloudEvent) -> None:
    profiles = ProfileRepository(uow.session)
    target = await locate(profiles, event.customer_id)
    if target.erased:
        return
    await timeline.record(uow.session, envelope, target.customer_id, event.customer_id)
    await _make_tombstone(profiles, target, event, envelope)
    await profiles.replace_tags(target.customer_id, [])
    await profiles.scrub_lifecycle_reasons(target.customer_id)
    await profiles.delete_contacts(target.customer_id)
    await timeline.scrub_history(uow.session, target.customer_id)
    scrub_from_disk(uow)


async def _make_tombstone(
    profiles: ProfileRepository, target: Target, event: CustomerErased, envelope: CloudEvent
) -> None:
    # Erasure is final whatever the version order: it is applied even if "older".
    values = {
        **ERASED_VALUES,
        "status": ERASED,
        "erased_at": aware(event.erased_at),
        "updated_at": envelope.time,
    }
    if target.state is None:
        # Erased before we saw it: the tombstone still stops later events.
        await profiles.insert(
            {"customer_id": target.customer_id, "version": event.customer_version, **values}
        )
        return
    version = max(target.state.version, event.customer_version)
    await profiles.overwrite(target.customer_id, {"version": version, **values})
