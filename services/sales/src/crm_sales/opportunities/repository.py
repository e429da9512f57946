"""All queries on opportunities and their stage history."""

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.contracts.sales import CLOSED_STAGES, OPEN_STAGES
from crm_shared.db import RepositoryBase
from crm_shared.views.customer_view import CustomerViewRepository
from crm_shared.views.team_members import TeamMembersRepository, owner_within
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, update

from crm_sales.db import count_rows, customer_view_table, team_members
from crm_sales.opportunities.models import Opportunity, StageChange
from crm_sales.opportunities.schemas import OpportunityFilter, OpportunitySort, OpportunityState

# No expected close date sorts after every date (ascending), before them (descending).
NO_CLOSE_DATE = date(9999, 12, 31)
OPEN = [stage.value for stage in OPEN_STAGES]
CLOSED = [stage.value for stage in CLOSED_STAGES]


def sort_key(sort: OpportunitySort) -> ColumnElement[Any]:
    """The expression a sort order reads (the id breaks ties)."""
    name = sort.value.lstrip("-")
    if name == "expected_close_date":
        return func.coalesce(Opportunity.expected_close_date, literal(NO_CLOSE_DATE))
    column: ColumnElement[Any] = getattr(Opportunity, name)
    return column


def within(statement: Select[Any], scope: RecordScope) -> Select[Any]:
    """``statement`` limited to the opportunities ``scope`` reaches, by their owner."""
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Opportunity.owner, team_members))


class OpportunityRepository(RepositoryBase[Opportunity]):
    model = Opportunity

    async def reachable(self, opportunity_id: str, scope: RecordScope) -> Opportunity | None:
        """The opportunity, if it exists and ``scope`` reaches it."""
        if scope.everything:
            return await self.get(opportunity_id)
        statement = within(select(Opportunity).where(Opportunity.id == opportunity_id), scope)
        return await self.first(statement)

    async def search(
        self,
        filters: OpportunityFilter,
        after: Sequence[Any] | None,
        limit: int,
        scope: RecordScope,
    ) -> list[Opportunity]:
        return await self.keyset_page(
            within(self._filtered(filters), scope),
            (sort_key(filters.sort), Opportunity.id),
            after=after,
            limit=limit,
            descending=filters.sort.value.startswith("-"),
        )

    async def count(self, filters: OpportunityFilter, scope: RecordScope) -> int:
        return await count_rows(self.session, within(self._filtered(filters), scope))

    def _filtered(self, filters: OpportunityFilter) -> Select[Any]:
        statement = select(Opportunity)
        if filters.stage:
            statement = statement.where(Opportunity.stage.in_([s.value for s in filters.stage]))
        if filters.state is not None:
            states = OPEN if filters.state == OpportunityState.OPEN else CLOSED
            statement = statement.where(Opportunity.stage.in_(states))
        for name in ("owner", "customer_id"):
            value = getattr(filters, name)
            if value is not None:
                statement = statement.where(getattr(Opportunity, name) == value)
        if filters.currency is not None:
            statement = statement.where(Opportunity.currency == filters.currency.upper())
        if filters.close_from is not None:
            statement = statement.where(Opportunity.expected_close_date >= filters.close_from)
        if filters.close_to is not None:
            statement = statement.where(Opportunity.expected_close_date <= filters.close_to)
        return statement

    # -- history ---------------------------------------------------------------------------

    def add_change(self, change: StageChange) -> None:
        self.session.add(change)

    async def changes_of(self, opportunity_id: str) -> list[StageChange]:
        statement = (
            select(StageChange)
            .where(StageChange.opportunity_id == opportunity_id)
            .order_by(StageChange.changed_at, StageChange.id)
        )
        return list(await self.session.scalars(statement))

    # -- who and which customer --------------------------------------------------------------

    async def team_of(self, user_id: str) -> str | None:
        return await TeamMembersRepository(self.session, team_members).team_of(user_id)

    async def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The customer view's row for this id, following merges to the survivor."""
        return await CustomerViewRepository(self.session, customer_view_table).resolve(customer_id)

    # -- set-based changes (merge, erasure, hand-over) -----------------------------------------

    async def load_detached(
        self, *, customer_id: str | None = None, owner: str | None = None, only_open: bool = False
    ) -> list[Opportunity]:
        """The opportunities of a customer or of an owner, locked (PostgreSQL) and taken out
        of the session: the caller changes them in memory for the events' snapshots and
        writes the change with one set-based UPDATE (:meth:`set_values`)."""
        statement = select(Opportunity).order_by(Opportunity.id).with_for_update()
        if customer_id is not None:
            statement = statement.where(Opportunity.customer_id == customer_id)
        if owner is not None:
            statement = statement.where(Opportunity.owner == owner)
        if only_open:
            statement = statement.where(Opportunity.stage.in_(OPEN))
        found = await self.all(statement)
        for opportunity in found:
            self.session.expunge(opportunity)
        return found

    async def set_values(self, ids: Collection[str], now: datetime, **values: Any) -> None:
        """One UPDATE: ``values`` on these opportunities, each at its next version."""
        if not ids:
            return
        await self.session.execute(
            update(Opportunity)
            .where(Opportunity.id.in_(sorted(ids)))
            .values(**values, version=Opportunity.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def scrub_reasons(self, customer_id: str, erased: str, now: datetime) -> list[str]:
        """Free text about an erased customer's deals: names and loss reasons become
        ``erased`` (a deal keeps having them; for a person the name often names them), override
        and stage-change reasons null. Returns the ids of
        the opportunities it touched."""
        of_customer = select(Opportunity.id).where(Opportunity.customer_id == customer_id)
        ids = list(await self.session.scalars(of_customer))
        if not ids:
            return []
        await self.session.execute(
            update(Opportunity)
            .where(
                Opportunity.customer_id == customer_id,
                or_(  # a replayed erasure finds nothing left to scrub, and bumps no version
                    Opportunity.name != erased,
                    and_(Opportunity.loss_reason.is_not(None), Opportunity.loss_reason != erased),
                    Opportunity.probability_override_reason.is_not(None),
                ),
            )
            .values(
                name=erased,
                loss_reason=case((Opportunity.loss_reason.is_(None), None), else_=literal(erased)),
                probability_override_reason=None,
                version=Opportunity.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(StageChange)
            .where(StageChange.opportunity_id.in_(of_customer), StageChange.reason.is_not(None))
            .values(reason=None)
            .execution_options(synchronize_session=False)
        )
        return ids
