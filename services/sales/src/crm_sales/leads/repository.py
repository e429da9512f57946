"""All queries on leads and on the fitted scoring models."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from crm_shared.auth.access import EVERYTHING, RecordScope
from crm_shared.contracts.customer import CustomerStatus
from crm_shared.contracts.sales import OpportunityStage
from crm_shared.db import RepositoryBase
from crm_shared.db.statements import KEYS_PER_QUERY, affected_rows
from crm_shared.views.customer_view import CustomerViewRepository
from crm_shared.views.team_members import TeamMembersRepository, owner_within
from sqlalchemy import ColumnElement, Select, func, or_, select, update

from crm_sales.db import count_rows, customer_view_table, team_members
from crm_sales.leads.models import Lead, LeadScoringModel
from crm_sales.leads.rules import OPEN_STATUSES, oldest_customer
from crm_sales.leads.search import LeadFilter, Position, sort_column
from crm_sales.opportunities.models import Opportunity

OPEN = [status.value for status in OPEN_STATUSES]
CLOSED_STAGES = [OpportunityStage.WON.value, OpportunityStage.LOST.value]
# What the audit log keeps of an erased person's lead entries (the rest becomes [erased]).
AUDIT_KEPT = frozenset(
    {"id", "status", "owner", "source", "campaign_id", "customer_id", "opportunity_id", "score",
     "activities_done", "campaign_responses", "win_probability", "version", "created_at",
     "updated_at", "converted_at", "industry", "region", "company_size"}
)  # fmt: skip
# The personal data of an erased person's lead: what the scrub sets.
SCRUBBED: dict[str, Any] = {
    "name": "erased",
    "company": None,
    "email": None,
    "phone": None,
    "email_normalized": None,
    "phone_normalized": None,
    "role": None,
    "external_id": None,
    "disqualified_reason": None,
}


class LeadRepository(RepositoryBase[Lead]):
    model = Lead

    async def reachable(self, lead_id: str, scope: RecordScope) -> bool:
        statement = within(select(Lead.id).where(Lead.id == lead_id), scope)
        return await self.session.scalar(statement) is not None

    async def by_external_id(self, external_id: str) -> Lead | None:
        return await self.first(select(Lead).where(Lead.external_id == external_id))

    async def team_of(self, user_id: str) -> str | None:
        return await TeamMembersRepository(self.session, team_members).team_of(user_id)

    async def open_matches(
        self, email_normalized: str | None, phone_normalized: str | None, exclude_id: str
    ) -> list[Lead]:
        """Open leads (new, qualified) with this e-mail or phone key, oldest first; every
        lead, not only the caller's: two reps must not work one person twice."""
        conditions: list[ColumnElement[bool]] = []
        if email_normalized:
            conditions.append(Lead.email_normalized == email_normalized)
        if phone_normalized:
            conditions.append(Lead.phone_normalized == phone_normalized)
        if not conditions:
            return []
        statement = (
            select(Lead)
            .where(Lead.status.in_(OPEN), Lead.id != exclude_id, or_(*conditions))
            .order_by(Lead.created_at, Lead.id)
        )
        return await self.all(statement)

    async def matching_customers(
        self, emails: Collection[str], phones: Collection[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The active customers of the sales view with these e-mails, and with these
        phones (compared normalised: the master stores phones in E.164, e-mails as typed):
        ``({email: id}, {phone: id})``, the lowest id where several share a key. One query
        per key kind and ``KEYS_PER_QUERY`` keys."""
        view = customer_view_table
        email_key = func.lower(func.trim(view.c.email))
        found: tuple[dict[str, str], dict[str, str]] = ({}, {})
        for column, keys, by_key in (
            (email_key, emails, found[0]),
            (view.c.phone, phones, found[1]),
        ):
            ordered = sorted(set(keys))
            for start in range(0, len(ordered), KEYS_PER_QUERY):
                part = ordered[start : start + KEYS_PER_QUERY]
                statement = (
                    select(column.label("key"), view.c.id)
                    .where(view.c.status == CustomerStatus.ACTIVE.value, column.in_(part))
                    .order_by(view.c.id.desc())
                )
                by_key.update((row.key, row.id) for row in await self.session.execute(statement))
        return found

    async def matching_customer(
        self, email_normalized: str | None, phone_normalized: str | None
    ) -> str | None:
        """The customer a lead with these keys is (:meth:`matching_customers`)."""
        by_email, by_phone = await self.matching_customers(
            [email_normalized] if email_normalized else [],
            [phone_normalized] if phone_normalized else [],
        )
        return oldest_customer(
            by_email.get(email_normalized or ""), by_phone.get(phone_normalized or "")
        )

    async def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The sales view's row of a customer (a merged alias's: its survivor's)."""
        return await CustomerViewRepository(self.session, customer_view_table).resolve(customer_id)

    async def open_leads_of(self, owners: Collection[str]) -> dict[str, int]:
        """How many open leads each of these owners has (work allocation by load)."""
        if not owners:
            return {}
        statement = (
            select(Lead.owner, func.count())
            .where(Lead.status.in_(OPEN), Lead.owner.in_(sorted(owners)))
            .group_by(Lead.owner)
        )
        rows = (await self.session.execute(statement)).all()
        return {str(owner): int(count) for owner, count in rows}

    async def search(
        self, filters: LeadFilter, after: Position | None, limit: int, scope: RecordScope
    ) -> list[Lead]:
        key = getattr(Lead, sort_column(filters.sort))
        return await self.keyset_page(
            within(_filtered(filters), scope),
            (key, Lead.id),
            after=(after.key, after.id) if after is not None else None,
            limit=limit,
            descending=filters.sort.value.startswith("-"),
        )

    async def count(self, filters: LeadFilter, scope: RecordScope) -> int:
        return await count_rows(self.session, within(_filtered(filters), scope))

    async def open_leads(self) -> list[Lead]:
        return await self.all(select(Lead).where(Lead.status.in_(OPEN)).order_by(Lead.id))

    async def closed_history(self) -> list[tuple[Lead, bool]]:
        """Converted leads whose opportunity closed, with whether it was won."""
        statement = (
            select(Lead, Opportunity.stage)
            .join(Opportunity, Opportunity.lead_id == Lead.id)
            .where(Lead.status == "converted", Opportunity.stage.in_(CLOSED_STAGES))
            .order_by(Lead.id)
        )
        rows = (await self.session.execute(statement)).all()
        return [(lead, stage == OpportunityStage.WON.value) for lead, stage in rows]

    async def count_closed_history(self) -> int:
        statement = (
            select(func.count())
            .select_from(Lead)
            .join(Opportunity, Opportunity.lead_id == Lead.id)
            .where(Lead.status == "converted", Opportunity.stage.in_(CLOSED_STAGES))
        )
        return int(await self.session.scalar(statement) or 0)

    async def latest_model(self) -> LeadScoringModel | None:
        statement = select(LeadScoringModel).order_by(
            LeadScoringModel.trained_at.desc(), LeadScoringModel.id.desc()
        )
        return await self.session.scalar(statement.limit(1))

    def add_model(self, model: LeadScoringModel) -> None:
        self.session.add(model)

    async def ids_of_customers(self, customer_ids: Collection[str]) -> list[str]:
        statement = select(Lead.id).where(Lead.customer_id.in_(sorted(customer_ids)))
        return list(await self.session.scalars(statement.order_by(Lead.id)))

    async def scrub_personal_data(self, customer_ids: Collection[str], now: datetime) -> int:
        """Erasure: one UPDATE over every lead of these customers (the version moves, so a
        client holding an old copy cannot write the data back)."""
        result = await self.session.execute(
            update(Lead)
            .where(Lead.customer_id.in_(sorted(customer_ids)))
            .values(**SCRUBBED, version=Lead.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)

    async def move_customer(self, from_id: str, to_id: str, now: datetime) -> int:
        """Merge: the duplicate's leads follow the survivor (one UPDATE)."""
        result = await self.session.execute(
            update(Lead)
            .where(Lead.customer_id == from_id)
            .values(customer_id=to_id, version=Lead.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)


def within(statement: Select[Any], scope: RecordScope = EVERYTHING) -> Select[Any]:
    """``statement`` limited to the leads ``scope`` reaches, by their owner."""
    if scope.everything:
        return statement
    return statement.where(owner_within(scope, Lead.owner, team_members))


def _filtered(filters: LeadFilter) -> Select[Any]:
    statement = select(Lead)
    if filters.status:
        statement = statement.where(Lead.status.in_([status.value for status in filters.status]))
    if filters.owner is not None:
        statement = statement.where(Lead.owner == filters.owner)
    if filters.source is not None:
        statement = statement.where(func.lower(Lead.source) == filters.source.lower())
    if filters.customer_id is not None:
        statement = statement.where(Lead.customer_id == filters.customer_id)
    if filters.min_score is not None:
        statement = statement.where(Lead.score >= filters.min_score)
    return statement
