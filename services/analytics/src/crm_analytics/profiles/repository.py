"""All SQL on profiles, their tags, lifecycle history and customer aliases."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.db import table_of
from crm_shared.db.repository import beyond
from crm_shared.db.rowset import RowSet
from crm_shared.db.statements import insert_ignoring_duplicates
from sqlalchemy import (
    Select,
    SQLColumnExpression,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.db import upsert
from crm_analytics.profiles.models import (
    CustomerAlias,
    LifecycleChange,
    Profile,
    ProfileContact,
    ProfileTag,
)


@dataclass(frozen=True)
class ProfileState:
    """What a handler needs to decide whether (and how) an event changes the profile."""

    status: str
    version: int
    consent: dict[str, Any]
    tags: list[str]


@dataclass(frozen=True)
class ProfileFilter:
    lifecycle_stage: str | None = None
    kind: str | None = None
    tag: str | None = None
    status: str | None = None
    updated_since: datetime | None = None


# The profile read's statements, built once: building one costs more than running it.
LIFECYCLE_HISTORY = (
    select(LifecycleChange)
    .where(LifecycleChange.customer_id == bindparam("customer_id"))
    .order_by(LifecycleChange.changed_at, LifecycleChange.event_id)
)
CONTACTS_OF = select(ProfileContact).where(
    ProfileContact.customer_id == bindparam("customer_id"), ProfileContact.removed_at.is_(None)
)
ALIASES_OF = (
    select(CustomerAlias.alias_id)
    .where(CustomerAlias.survivor_id == bindparam("survivor_id"))
    .order_by(CustomerAlias.alias_id)
)


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- the profile row -------------------------------------------------------------

    async def lock_state(self, customer_id: str) -> ProfileState | None:
        """Read the guard state and, on PostgreSQL, lock the row until commit: events about
        one customer arrive on several topics (and a merge touches two customers), so two
        consumers may project onto the same profile at once."""
        row = (
            await self.session.execute(
                select(Profile.status, Profile.version, Profile.consent, Profile.tags)
                .where(Profile.customer_id == customer_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return ProfileState(row.status, row.version, dict(row.consent), list(row.tags))

    async def get(self, customer_id: str) -> Profile | None:
        return await self.session.get(Profile, customer_id)

    async def exists(self, customer_id: str) -> bool:
        found = await self.session.scalar(
            select(exists().where(Profile.customer_id == customer_id))
        )
        return bool(found)

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(table_of(Profile)), values)

    async def update_if_older(self, customer_id: str, version: int, values: dict[str, Any]) -> None:
        """Apply ``values`` (and the new version) unless the stored version is already as new."""
        await self.session.execute(
            update(Profile)
            .where(Profile.customer_id == customer_id, Profile.version < version)
            .values(version=version, **values)
            .execution_options(synchronize_session=False)
        )

    async def overwrite(self, customer_id: str, values: dict[str, Any]) -> None:
        """Unconditional update, for erasure: it is never undone by version order."""
        await self.session.execute(
            update(Profile)
            .where(Profile.customer_id == customer_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def delete(self, customer_id: str) -> None:
        await self.session.execute(delete(Profile).where(Profile.customer_id == customer_id))
        await self.replace_tags(customer_id, [])

    def _matching(self, where: ProfileFilter) -> Select[Profile]:
        statement = select(Profile)
        if where.lifecycle_stage is not None:
            statement = statement.where(Profile.lifecycle_stage == where.lifecycle_stage)
        if where.kind is not None:
            statement = statement.where(Profile.kind == where.kind)
        if where.status is not None:
            statement = statement.where(Profile.status == where.status)
        if where.tag is not None:
            tagged = select(ProfileTag.customer_id).where(ProfileTag.tag == where.tag)
            statement = statement.where(Profile.customer_id.in_(tagged))
        if where.updated_since is not None:
            statement = statement.where(Profile.updated_at >= where.updated_since)
        return statement

    async def page(
        self, where: ProfileFilter, limit: int, after: Sequence[Any] | None
    ) -> list[Profile]:
        """Profiles in customer id order, or (updated_at, id) order with ``updated_since``,
        after the position ``after``."""
        order: list[SQLColumnExpression[Any]] = [Profile.customer_id]
        if where.updated_since is not None:
            order = [Profile.updated_at, Profile.customer_id]
        statement = self._matching(where).order_by(*order).limit(limit)
        if after is not None:
            statement = statement.where(beyond(order, after))
        return list(await self.session.scalars(statement))

    async def count(self, where: ProfileFilter) -> int:
        counted = select(func.count()).select_from(self._matching(where).subquery())
        return int(await self.session.scalar(counted) or 0)

    # -- tags ------------------------------------------------------------------------

    async def replace_tags(self, customer_id: str, tags: list[str]) -> None:
        await self.session.execute(delete(ProfileTag).where(ProfileTag.customer_id == customer_id))
        await self.add_tags(customer_id, tags)

    async def replace_tags_of(self, customer_ids: Iterable[str], rows: RowSet) -> None:
        """Make the tag rows of these customers what their profile rows say (two statements)."""
        ids = sorted(customer_ids)
        if not ids:
            return
        await self.session.execute(delete(ProfileTag).where(ProfileTag.customer_id.in_(ids)))
        tag_rows = [
            {"tag": tag, "customer_id": customer_id}
            for customer_id in ids
            for tag in dict.fromkeys((rows.get(customer_id) or {}).get("tags") or [])
        ]
        if tag_rows:
            await self.session.execute(insert(ProfileTag), tag_rows)

    async def add_tags(self, customer_id: str, tags: list[str]) -> None:
        if tags:
            rows = [{"tag": tag, "customer_id": customer_id} for tag in dict.fromkeys(tags)]
            await self.session.execute(insert(ProfileTag), rows)

    # -- lifecycle history -----------------------------------------------------------

    async def add_lifecycle_changes(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            table: Table = table_of(LifecycleChange)
            statement = insert_ignoring_duplicates(self.session, table, ("event_id",))
            await self.session.execute(statement, list(rows))

    async def lifecycle_history(self, customer_id: str) -> list[LifecycleChange]:
        return list(await self.session.scalars(LIFECYCLE_HISTORY, {"customer_id": customer_id}))

    async def move_lifecycle_history(self, from_customer_id: str, to_customer_id: str) -> None:
        await self.session.execute(
            update(LifecycleChange)
            .where(LifecycleChange.customer_id == from_customer_id)
            .values(customer_id=to_customer_id)
            .execution_options(synchronize_session=False)
        )

    async def scrub_lifecycle_reasons(self, customer_id: str) -> None:
        await self.session.execute(
            update(LifecycleChange)
            .where(LifecycleChange.customer_id == customer_id)
            .values(reason=None)
            .execution_options(synchronize_session=False)
        )

    # -- contacts --------------------------------------------------------------------

    async def contacts_of(self, customer_id: str) -> list[ProfileContact]:
        """The contacts on a profile (removed ones are not), in no particular order."""
        return list(await self.session.scalars(CONTACTS_OF, {"customer_id": customer_id}))

    async def move_contacts(self, from_customer_id: str, to_customer_id: str) -> None:
        """A merge: the merged customer's contacts join the survivor's, none of them as its
        primary contact (the survivor's stays primary, as in the customer master)."""
        await self.session.execute(
            update(ProfileContact)
            .where(ProfileContact.customer_id == from_customer_id)
            .values(customer_id=to_customer_id, is_primary=False)
            .execution_options(synchronize_session=False)
        )

    async def delete_contacts(self, customer_id: str) -> None:
        """Erasure: the customer's contacts go (its erased profile stops later events)."""
        await self.session.execute(
            delete(ProfileContact).where(ProfileContact.customer_id == customer_id)
        )

    # -- aliases ---------------------------------------------------------------------

    async def survivors_of(self, customer_ids: Iterable[str]) -> dict[str, str]:
        """``{alias: survivor}`` for those of these customers that were merged away."""
        wanted = sorted(set(customer_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(CustomerAlias.alias_id, CustomerAlias.survivor_id).where(
                CustomerAlias.alias_id.in_(wanted)
            )
        )
        return {row.alias_id: row.survivor_id for row in rows}

    async def survivor_of(self, alias_id: str) -> str | None:
        return await self.session.scalar(
            select(CustomerAlias.survivor_id).where(CustomerAlias.alias_id == alias_id)
        )

    async def aliases_of(self, survivor_id: str) -> list[str]:
        return list(await self.session.scalars(ALIASES_OF, {"survivor_id": survivor_id}))

    async def set_alias(
        self, alias_id: str, survivor_id: str, merged_at: datetime, merge_event_id: str
    ) -> None:
        """Point ``alias_id`` at ``survivor_id``, and every alias of ``alias_id`` with it, so
        that chains stay one hop long (A→B then B→C leaves A→C and B→C)."""
        await self.session.execute(
            update(CustomerAlias)
            .where(CustomerAlias.survivor_id == alias_id)
            .values(survivor_id=survivor_id)
            .execution_options(synchronize_session=False)
        )
        values = {"survivor_id": survivor_id, "merged_at": merged_at}
        statement = upsert(self.session, table_of(CustomerAlias)).values(
            alias_id=alias_id, merge_event_id=merge_event_id, **values
        )
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["alias_id"], set_=values)
        )
