"""All SQL of the analytical reports: one GROUP BY (or one window query) per section, over
every customer at once; never a query per customer. Portable between SQLite and PostgreSQL.

Orders, recoveries and leads are filed under the customer id their event named; a merged
customer's are counted for its survivor (an outer join on ``customer_aliases``)."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.contracts.marketing import (
    MessageClicked,
    MessageDelivered,
    MessageOpened,
    MessageSent,
    Responded,
    Unsubscribed,
)
from crm_shared.db.statements import AnySelect
from sqlalchemy import (
    ColumnElement,
    Numeric,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_analytics.profiles.models import CustomerAlias, Profile
from crm_analytics.sales.models import SalesLead, SalesOpportunity, SalesOrder, SalesQuote
from crm_analytics.scores.models import CustomerScore, ScoreRun
from crm_analytics.support.models import SupportRecovery, SupportSurvey, SupportTicket
from crm_analytics.timeline.models import TimelineEntry

Money = Numeric(18, 2)
LOST = "lost"
REFUSED_QUOTES = ("rejected", "expired")
COMPLAINT = "complaint"
ACTIVE = "active"


# Marketing's events a campaign's row counts, by the report's field.
CAMPAIGN_EVENTS = {
    MessageSent.event_type: "sent",
    MessageDelivered.event_type: "delivered",
    MessageOpened.event_type: "opened",
    MessageClicked.event_type: "clicked",
    Responded.event_type: "responses",
    Unsubscribed.event_type: "unsubscribes",
}


@dataclass(frozen=True)
class Span:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded


def _within(column: Any, span: Span) -> ColumnElement[bool]:
    return and_(column >= span.start, column < span.end)


def _of_customers(column: Any, customer_ids: Collection[str] | None) -> ColumnElement[bool]:
    return true() if customer_ids is None else column.in_(sorted(customer_ids))


DIMENSIONS = ("age_band", "occupation", "industry", "region", "value_band")


@dataclass(frozen=True)
class Bands:
    """How the composition bands ages and spends (the rules compute them)."""

    ages: list[tuple[str, date]]  # youngest first: (label, earliest birth date in it)
    oldest: str
    unknown: str
    spends: list[tuple[Decimal, str]]  # lowest first: (upper edge, label)
    highest: str


def _dimension(name: str, c: Any, bands: Bands) -> Any:
    if name == "age_band":
        ages = [(c.birth_date > earliest, label) for label, earliest in bands.ages]
        return case((c.birth_date.is_(None), bands.unknown), *ages, else_=bands.oldest)
    if name == "value_band":
        spends = [(c.spend < edge, label) for edge, label in bands.spends]
        return case(*spends, else_=bands.highest)
    return getattr(c, name)


@dataclass(frozen=True)
class YieldRow:
    customer_id: str
    orders: int
    revenue: Decimal
    paid: Decimal
    written_off: Decimal
    recovery_cost: Decimal


def _yield_row(customer_id: Any, orders: Any, *amounts: Any) -> YieldRow:
    """A row as the database gave it (sums are Decimal, or float on SQLite; None of none)."""
    revenue, paid, written_off, recovery_cost = (Decimal(str(a or 0)) for a in amounts)
    return YieldRow(str(customer_id), int(orders or 0), revenue, paid, written_off, recovery_cost)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- scores (the snapshot of the last scoring run) --------------------------------

    async def last_full_run(self) -> ScoreRun | None:
        statement = (
            select(ScoreRun).where(ScoreRun.kind == "full").order_by(ScoreRun.sequence.desc())
        )
        return (await self.session.scalars(statement.limit(1))).first()

    async def rfm_cells(self) -> list[tuple[int, int, str | None, int, Decimal]]:
        """Per R, F and named segment: customers and their summed monetary total."""
        score = CustomerScore
        statement = (
            select(
                score.r, score.f, score.rfm_segment, func.count(), func.sum(score.monetary_total)
            )
            .where(score.r.is_not(None), score.f.is_not(None))
            .group_by(score.r, score.f, score.rfm_segment)
        )
        return [
            (int(r), int(f), segment, int(count), Decimal(str(total or 0)))
            for r, f, segment, count, total in await self.session.execute(statement)
            if r is not None and f is not None  # always (the WHERE), but the columns may be NULL
        ]

    async def abc_classes(self) -> list[tuple[str, int, Decimal]]:
        score = CustomerScore
        statement = (
            select(score.abc_class, func.count(), func.sum(score.window_value))
            .where(score.abc_class.is_not(None))
            .group_by(score.abc_class)
            .order_by(score.abc_class)
        )
        rows = await self.session.execute(statement)
        return [(str(c), int(n), Decimal(str(total or 0))) for c, n, total in rows]

    async def cumulative_value_at(self, ranks: Sequence[int]) -> dict[int, Decimal]:
        """The summed window value of the customers ranked 1..k by it (highest first, ties by
        id), for each k of ``ranks``: one window query, however many customers."""
        score = CustomerScore
        order = (score.window_value.desc(), score.customer_id)
        ranked = (
            select(
                func.row_number().over(order_by=order).label("rank"),
                func.sum(score.window_value)
                .over(order_by=order, rows=(None, 0))
                .label("cumulative"),
            )
            .where(score.abc_class.is_not(None))
            .subquery()
        )
        statement = select(ranked.c.rank, ranked.c.cumulative).where(ranked.c.rank.in_(ranks))
        rows = await self.session.execute(statement)
        return {int(rank): Decimal(str(total or 0)) for rank, total in rows}

    async def top_scores(self, by: str, limit: int) -> list[CustomerScore]:
        """The ``limit`` customers of highest ``by`` (a column of customer_scores; those
        without it last), ties by id."""
        column = getattr(CustomerScore, by)
        statement = (
            select(CustomerScore)
            .order_by(column.is_(None), column.desc(), CustomerScore.customer_id)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def churn_levels(self) -> list[tuple[str, int]]:
        statement = (
            select(CustomerScore.churn_level, func.count())
            .group_by(CustomerScore.churn_level)
            .order_by(CustomerScore.churn_level)
        )
        return [(str(level), int(n)) for level, n in await self.session.execute(statement)]

    async def churn_reasons(self, levels: Collection[str]) -> list[list[dict[str, Any]]]:
        """The reasons of every customer at these levels (one narrow column each)."""
        statement = select(CustomerScore.churn_reasons).where(
            CustomerScore.churn_level.in_(sorted(levels))
        )
        return [list(reasons or []) for reasons in await self.session.scalars(statement)]

    async def most_at_risk(self, levels: Collection[str], limit: int) -> list[CustomerScore]:
        statement = (
            select(CustomerScore)
            .where(CustomerScore.churn_level.in_(sorted(levels)))
            .order_by(CustomerScore.churn_score.desc(), CustomerScore.customer_id)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    # --- why customers did not buy ---------------------------------------------------

    async def lost_by(
        self, column: Any, span: Span, customer_ids: Collection[str] | None
    ) -> list[tuple[str | None, str, int, Decimal]]:
        """Per value of ``column`` (loss reason or competitor) and currency: the
        opportunities lost in the period, how many and their amount."""
        opportunity = SalesOpportunity
        statement = (
            select(column, opportunity.currency, func.count(), func.sum(opportunity.amount))
            .where(
                opportunity.stage == LOST,
                _within(opportunity.closed_at, span),
                _of_customers(opportunity.customer_id, customer_ids),
            )
            .group_by(column, opportunity.currency)
        )
        rows = [
            (key, currency, int(n), Decimal(str(total or 0)))
            for key, currency, n, total in await self.session.execute(statement)
        ]
        return sorted(rows, key=lambda row: (-row[2], row[0] is None, row[0] or "", row[1]))

    async def refused_quotes(
        self, span: Span, customer_ids: Collection[str] | None
    ) -> list[tuple[str, str, int, Decimal]]:
        """Per status (rejected, expired) and currency: the quotes decided so in the period."""
        quote = SalesQuote
        statement = (
            select(quote.status, quote.currency, func.count(), func.sum(quote.total))
            .where(
                quote.status.in_(REFUSED_QUOTES),
                _within(quote.decided_at, span),
                _of_customers(quote.customer_id, customer_ids),
            )
            .group_by(quote.status, quote.currency)
            .order_by(quote.status, quote.currency)
        )
        rows = await self.session.execute(statement)
        return [(s, c, int(n), Decimal(str(total or 0))) for s, c, n, total in rows]

    async def lost_opportunities(
        self, span: Span, customer_ids: Collection[str], limit: int
    ) -> list[SalesOpportunity]:
        opportunity = SalesOpportunity
        statement = (
            select(opportunity)
            .where(
                opportunity.stage == LOST,
                _within(opportunity.closed_at, span),
                _of_customers(opportunity.customer_id, customer_ids),
            )
            .order_by(opportunity.closed_at, opportunity.opportunity_id)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def refused_quote_rows(
        self, span: Span, customer_ids: Collection[str], limit: int
    ) -> list[SalesQuote]:
        quote = SalesQuote
        statement = (
            select(quote)
            .where(
                quote.status.in_(REFUSED_QUOTES),
                _within(quote.decided_at, span),
                _of_customers(quote.customer_id, customer_ids),
            )
            .order_by(quote.decided_at, quote.quote_id)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def customer_and_aliases(self, customer_id: str) -> list[str]:
        """The customer (or the survivor of the alias asked for) and every alias of it."""
        survivor = await self.session.scalar(
            select(CustomerAlias.survivor_id).where(CustomerAlias.alias_id == customer_id)
        )
        found = survivor or customer_id
        aliases = await self.session.scalars(
            select(CustomerAlias.alias_id).where(CustomerAlias.survivor_id == found)
        )
        return [found, *sorted(aliases)]

    # --- what each customer cost and yielded ------------------------------------------

    async def yields(
        self, span: Span, currency: str, *, highest_first: bool, limit: int
    ) -> list[YieldRow]:
        """Per customer (survivor), in ``currency``: orders placed in the period (not
        cancelled), their total, paid and written-off amounts, and the recovery cost support
        recorded in the period; the ``limit`` of highest (or lowest) net yield = revenue -
        written off - recovery cost, ties by id."""
        rows = self._yield_rows(span, currency)
        net = rows.c.revenue - rows.c.written_off - rows.c.recovery_cost
        statement = (
            select(*rows.c)
            .order_by(net.desc() if highest_first else net.asc(), rows.c.customer_id)
            .limit(limit)
        )
        return [_yield_row(*row) for row in await self.session.execute(statement)]

    async def yield_totals(self, span: Span, currency: str) -> tuple[int, YieldRow]:
        """How many customers had a figure, and the figures summed over them."""
        rows = self._yield_rows(span, currency)
        statement = select(
            func.count(),
            literal(""),
            *(func.sum(column) for column in list(rows.c)[1:]),
        )
        customers, *figures = (await self.session.execute(statement)).one()
        return int(customers), _yield_row(*figures)

    def _yield_rows(self, span: Span, currency: str) -> Any:
        order, recovery = SalesOrder, SupportRecovery
        zero = cast(literal(0), Money)
        order_alias = aliased(CustomerAlias)
        recovery_alias = aliased(CustomerAlias)
        ordered: AnySelect = (
            select(
                func.coalesce(order_alias.survivor_id, order.customer_id).label("customer_id"),
                literal(1).label("orders"),
                order.total.label("revenue"),
                order.paid_amount.label("paid"),
                order.written_off_amount.label("written_off"),
                zero.label("recovery_cost"),
            )
            .outerjoin(order_alias, order_alias.alias_id == order.customer_id)
            .where(
                order.currency == currency,
                order.cancelled == false(),
                _within(order.ordered_at, span),
            )
        )
        recovered: AnySelect = (
            select(
                func.coalesce(recovery_alias.survivor_id, recovery.customer_id),
                literal(0),
                zero,
                zero,
                zero,
                recovery.cost,
            )
            .outerjoin(recovery_alias, recovery_alias.alias_id == recovery.customer_id)
            .where(recovery.currency == currency, _within(recovery.recorded_at, span))
        )
        facts = union_all(ordered, recovered).subquery()
        return (
            select(
                facts.c.customer_id,
                func.sum(facts.c.orders).label("orders"),
                func.sum(facts.c.revenue).label("revenue"),
                func.sum(facts.c.paid).label("paid"),
                func.sum(facts.c.written_off).label("written_off"),
                func.sum(facts.c.recovery_cost).label("recovery_cost"),
            )
            .group_by(facts.c.customer_id)
            .subquery()
        )

    # --- did the campaign work -----------------------------------------------------------

    async def campaign_leads(self, span: Span) -> list[tuple[str | None, str | None, int, int]]:
        """Per campaign and source: the leads created in the period, and those converted."""
        lead = SalesLead
        converted = func.sum(case((lead.status == "converted", 1), else_=0))
        statement = (
            select(lead.campaign_id, lead.source, func.count(), converted)
            .where(_within(lead.created_at, span))
            .group_by(lead.campaign_id, lead.source)
        )
        rows = [(c, s, int(n), int(k or 0)) for c, s, n, k in await self.session.execute(statement)]
        return sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1] is None, r[1] or ""))

    async def campaign_messages(self, span: Span) -> list[tuple[str, str, int]]:
        """Per marketing campaign and event type of ``CAMPAIGN_EVENTS``, what happened in the
        period, from the timeline's marketing events: distinct messages (a redelivered or
        replayed event counts once), distinct responses, unsubscribes. Erasure keeps these
        ids and a merge moves rows between customers, so the counts hold through both."""
        entry = TimelineEntry
        campaign = entry.data["campaign_id"].as_string()
        counted = func.coalesce(
            entry.data["response_id"].as_string(),
            entry.data["message_id"].as_string(),
            entry.event_id,
        )
        statement = (
            select(campaign, entry.event_type, func.count(distinct(counted)))
            .where(
                entry.event_type.in_(list(CAMPAIGN_EVENTS)),
                _within(entry.occurred_at, span),
                campaign.is_not(None),
            )
            .group_by(campaign, entry.event_type)
        )
        return [(c, kind, int(n)) for c, kind, n in await self.session.execute(statement)]

    async def campaign_orders(
        self, span: Span
    ) -> list[tuple[str | None, str | None, str, int, int, Decimal]]:
        """Per campaign, source and currency: the customers won from the period's leads (the
        lead's customer, or its opportunity's) and their orders placed in the period after
        the lead came in (not cancelled): customers, orders, revenue. An order counts once
        per campaign and source however many of its leads name them."""
        lead, opportunity, order = SalesLead, SalesOpportunity, SalesOrder
        lead_alias, order_alias = aliased(CustomerAlias), aliased(CustomerAlias)
        lead_customer = func.coalesce(lead.customer_id, opportunity.customer_id)
        won = (
            select(
                lead.campaign_id,
                lead.source,
                lead.created_at,
                func.coalesce(lead_alias.survivor_id, lead_customer).label("customer_id"),
            )
            .outerjoin(opportunity, opportunity.lead_id == lead.lead_id)
            .outerjoin(lead_alias, lead_alias.alias_id == lead_customer)
            .where(_within(lead.created_at, span), lead_customer.is_not(None))
            .subquery()
        )
        order_customer = func.coalesce(order_alias.survivor_id, order.customer_id)
        bought = (
            select(
                won.c.campaign_id,
                won.c.source,
                order.currency,
                won.c.customer_id,
                order.order_id,
                order.total,
            )
            .distinct()
            .select_from(order)
            .outerjoin(order_alias, order_alias.alias_id == order.customer_id)
            .join(won, won.c.customer_id == order_customer)
            .where(
                order.cancelled == false(),
                _within(order.ordered_at, span),
                order.ordered_at >= won.c.created_at,
            )
            .subquery()
        )
        statement = select(
            bought.c.campaign_id,
            bought.c.source,
            bought.c.currency,
            func.count(func.distinct(bought.c.customer_id)),
            func.count(),
            func.sum(bought.c.total),
        ).group_by(bought.c.campaign_id, bought.c.source, bought.c.currency)
        return [
            (campaign, source, currency, int(customers), int(orders), Decimal(str(total or 0)))
            for campaign, source, currency, customers, orders, total in await self.session.execute(
                statement
            )
        ]

    # --- what customers are dissatisfied with --------------------------------------------

    async def complaint_categories(self, span: Span) -> list[tuple[str | None, int, int]]:
        """Per category: the complaints received in the period, and the major ones."""
        ticket = SupportTicket
        major = func.sum(case((ticket.major.is_(True), 1), else_=0))
        statement = (
            select(ticket.category, func.count(), major)
            .where(ticket.kind == COMPLAINT, _within(ticket.received_at, span))
            .group_by(ticket.category)
        )
        rows = [(c, int(n), int(m or 0)) for c, n, m in await self.session.execute(statement)]
        return sorted(rows, key=lambda r: (-r[1], r[0] is None, r[0] or ""))

    async def survey_answers(self, span: Span) -> list[list[dict[str, Any]]]:
        """The answers of every survey answered in the period (one narrow column each; the
        items are inside a JSON array, which the two databases read differently)."""
        statement = select(SupportSurvey.answers).where(_within(SupportSurvey.answered_at, span))
        return [list(answers or []) for answers in await self.session.scalars(statement)]

    # --- composition and scorecard ---------------------------------------------------------

    async def composition(
        self, span: Span, currency: str, dimension: str, bands: Bands
    ) -> list[tuple[str | None, int, Decimal]]:
        """Per value of ``dimension`` (one of DIMENSIONS; ages and spends in ``bands``): the
        active customers who existed by the period's end and their spend in the period
        (orders not cancelled, in ``currency``)."""
        base = self.base(span, currency)
        key = _dimension(dimension, base.c, bands)
        statement = select(key, func.count(), func.sum(base.c.spend)).group_by(key)
        rows = await self.session.execute(statement)
        return [(k, int(n), Decimal(str(total or 0))) for k, n, total in rows]

    def base(self, span: Span, currency: str) -> Any:
        """The active customers who existed by the period's end, with their age, occupation,
        industry, region, RFM segment and spend (and the rest of their figures) in the
        period."""
        profile, score = Profile, CustomerScore
        orders = self._per_survivor_orders(span, currency)
        return (
            select(
                profile.customer_id,
                profile.birth_date,
                profile.segmentation["occupation"].as_string().label("occupation"),
                profile.industry,
                profile.region,
                profile.created_at,
                score.rfm_segment,
                score.first_order_at,
                func.coalesce(orders.c.orders, 0).label("orders"),
                func.coalesce(orders.c.revenue, 0).label("spend"),
                func.coalesce(orders.c.written_off, 0).label("written_off"),
            )
            .outerjoin(score, score.customer_id == profile.customer_id)
            .outerjoin(orders, orders.c.customer_id == profile.customer_id)
            .where(
                profile.status == ACTIVE,
                or_(profile.created_at.is_(None), profile.created_at < span.end),
            )
            .subquery()
        )

    async def scorecard(self, span: Span, currency: str) -> list[tuple[Any, ...]]:
        """Per RFM segment (null: not scored), over the base: customers; new ones (created
        in the period); first-time buyers (first order in it); the returning base (bought
        before the period) and those of it who bought in the period; orders, revenue and
        written-off amount of the period; tickets received and recovery cost recorded in it."""
        base = self.base(span, currency)
        tickets = self._per_survivor(SupportTicket, SupportTicket.received_at, span, func.count())
        recoveries = self._per_survivor(
            SupportRecovery,
            SupportRecovery.recorded_at,
            span,
            func.sum(SupportRecovery.cost),
            SupportRecovery.currency == currency,
        )
        returning = base.c.first_order_at < span.start
        statement = (
            select(
                base.c.rfm_segment,
                func.count(),
                _count_if(_within(base.c.created_at, span)),
                _count_if(_within(base.c.first_order_at, span)),
                _count_if(returning),
                _count_if(and_(returning, base.c.orders > 0)),
                func.sum(base.c.orders),
                func.sum(base.c.spend),
                func.sum(base.c.written_off),
                func.sum(func.coalesce(tickets.c.value, 0)),
                func.sum(func.coalesce(recoveries.c.value, 0)),
            )
            .outerjoin(tickets, tickets.c.customer_id == base.c.customer_id)
            .outerjoin(recoveries, recoveries.c.customer_id == base.c.customer_id)
            .group_by(base.c.rfm_segment)
        )
        return [tuple(row) for row in await self.session.execute(statement)]

    def _per_survivor_orders(self, span: Span, currency: str) -> Any:
        order = SalesOrder
        alias = aliased(CustomerAlias)
        survivor = func.coalesce(alias.survivor_id, order.customer_id)
        return (
            select(
                survivor.label("customer_id"),
                func.count().label("orders"),
                func.sum(order.total).label("revenue"),
                func.sum(order.written_off_amount).label("written_off"),
            )
            .outerjoin(alias, alias.alias_id == order.customer_id)
            .where(
                order.currency == currency,
                order.cancelled == false(),
                _within(order.ordered_at, span),
            )
            .group_by(survivor)
            .subquery()
        )

    def _per_survivor(self, model: Any, when: Any, span: Span, value: Any, *conditions: Any) -> Any:
        """``value`` (an aggregate) per survivor over the rows of ``model`` in the period."""
        alias = aliased(CustomerAlias)
        survivor = func.coalesce(alias.survivor_id, model.customer_id)
        return (
            select(survivor.label("customer_id"), value.label("value"))
            .select_from(model)
            .outerjoin(alias, alias.alias_id == model.customer_id)
            .where(_within(when, span), *conditions)
            .group_by(survivor)
            .subquery()
        )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
