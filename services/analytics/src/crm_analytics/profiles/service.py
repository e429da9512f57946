"""Projection of one customer event onto the profile, for merges and erasures (the rest of
the write side of the 360 view works on runs of events: :mod:`crm_analytics.profiles.projection`).

The steps:
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

from crm_shared.contracts.customer import CustomerSnapshot

from crm_analytics.profiles.repository import ProfileRepository, ProfileState
from crm_analytics.profiles.snapshot import ERASED, snapshot_values


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
    values = snapshot_values(state.consent if state else {}, snapshot, applied_at)
    if state is None:
        await profiles.insert(
            {"customer_id": target.customer_id, "version": customer_version, **values}
        )
        await profiles.add_tags(target.customer_id, values["tags"])
    elif target.accepts(customer_version):
        await profiles.update_if_older(target.customer_id, customer_version, values)
        if state.tags != values["tags"]:
            await profiles.replace_tags(target.customer_id, values["tags"])
