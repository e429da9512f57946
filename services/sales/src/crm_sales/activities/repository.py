"""All queries on activities."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.db import RepositoryBase
from crm_shared.db.statements import affected_rows
from crm_shared.views.team_members import TeamMembersRepository, owner_within
from sqlalchemy import ColumnElement, Select, or_, select, update

from crm_sales.activities.models import Activity
from crm_sales.db import count_rows, team_members
from crm_sales.leads.models import Lead
from crm_sales.opportunities.models import Opportunity


@dataclass(frozen=True)
class ActivityQuery:
    owner: str | None = None
    done: bool | None = None
    lead_id: str | None = None
    opportunity_id: str | None = None
    customer_id: str | None = None
    due_from: datetime | None = None  # due at or after
    due_before: datetime | None = None  # due strictly before

    @property
    def by_due_time(self) -> bool:
        return self.due_from is not None or self.due_before is not None


def _filtered(query: ActivityQuery) -> Select[Any]:
    statement = select(Activity)
    for name in ("owner", "done", "lead_id", "opportunity_id", "customer_id"):
        value = getattr(query, name)
        if value is not None:
            statement = statement.where(getattr(Activity, name) == value)
    if query.due_from is not None:
        statement = statement.where(Activity.due_at >= query.due_from)
    if query.due_before is not None:
        statement = statement.where(Activity.due_at < query.due_before)
    return statement


# What the audit log keeps of an erased person's activity entries (the rest becomes [erased]).
AUDIT_KEPT = frozenset(
    {"id", "kind", "owner", "due_at", "done", "done_at", "lead_id", "opportunity_id",
     "customer_id", "created_by", "created_at", "updated_at", "version"}
)  # fmt: skip


class ActivityRepository(RepositoryBase[Activity]):
    model = Activity

    async def reachable(self, activity_id: str, scope: RecordScope) -> bool:
        statement = within(select(Activity.id).where(Activity.id == activity_id), scope)
        return await self.session.scalar(statement) is not None

    async def opportunity(self, opportunity_id: str) -> Opportunity | None:
        return await self.session.get(Opportunity, opportunity_id)

    async def team_of(self, user_id: str) -> str | None:
        return await TeamMembersRepository(self.session, team_members).team_of(user_id)

    async def search(
        self, query: ActivityQuery, after: tuple[Any, str] | None, limit: int, scope: RecordScope
    ) -> list[Activity]:
        """One page, by due time when the query bounds it (no null due times then), else by
        creation; the id breaks ties."""
        key = Activity.due_at if query.by_due_time else Activity.created_at
        return await self.keyset_page(
            within(_filtered(query), scope), (key, Activity.id), after=after, limit=limit
        )

    async def count(self, query: ActivityQuery, scope: RecordScope) -> int:
        return await count_rows(self.session, within(_filtered(query), scope))

    async def ids_about_customers(self, customer_ids: Collection[str]) -> list[str]:
        """The activities about these customers or their leads."""
        statement = select(Activity.id).where(_about(customer_ids))
        return list(await self.session.scalars(statement.order_by(Activity.id)))

    async def scrub_free_text(self, customer_ids: Collection[str], now: datetime) -> int:
        """Erasure: the subject and outcome of every activity about these customers or
        their leads (they may name the person, quote them), in one UPDATE."""
        result = await self.session.execute(
            update(Activity)
            .where(_about(customer_ids))
            .values(subject="erased", outcome=None, version=Activity.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)

    async def move_customer(self, from_id: str, to_id: str, now: datetime) -> int:
        """Merge: the duplicate's activities follow the survivor (one UPDATE)."""
        result = await self.session.execute(
            update(Activity)
            .where(Activity.customer_id == from_id)
            .values(customer_id=to_id, version=Activity.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)

    async def link_lead_customer(self, lead_id: str, customer_id: str, now: datetime) -> int:
        """A lead turned out to be this customer: its activities are about the customer too."""
        result = await self.session.execute(
            update(Activity)
            .where(Activity.lead_id == lead_id, Activity.customer_id.is_(None))
            .values(customer_id=customer_id, version=Activity.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)


def _about(customer_ids: Collection[str]) -> ColumnElement[bool]:
    ids = sorted(customer_ids)
    leads = select(Lead.id).where(Lead.customer_id.in_(ids))
    return or_(Activity.customer_id.in_(ids), Activity.lead_id.in_(leads))


def within(statement: Select[Any], scope: RecordScope) -> Select[Any]:
    """``statement`` limited to the activities ``scope`` reaches, by their owner."""
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Activity.owner, team_members))
