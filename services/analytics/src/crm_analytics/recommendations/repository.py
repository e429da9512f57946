"""All SQL of the cross-sell suggestions: the order baskets counted in the database (a
self-join of the order lines by order, grouped by product pair), the rules table, and what
customers bought."""

from collections.abc import Collection, Sequence
from datetime import datetime

from crm_shared.db import table_of
from crm_shared.db.statements import key_chunks
from sqlalchemy import CTE, Table, bindparam, delete, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.profiles.models import CustomerAlias
from crm_analytics.recommendations.models import AssociationRule
from crm_analytics.recommendations.rules import PairCount, Rule
from crm_analytics.sales.models import SalesOrder
from crm_analytics.scores.models import OrderLine

# Built once (building it costs more than running it on a customer's few orders): what the
# customers bought, each product with the rules that start from it.
_bought = (
    select(OrderLine.customer_id, OrderLine.product)
    .join(SalesOrder, SalesOrder.order_id == OrderLine.order_id)
    .where(
        OrderLine.customer_id.in_(bindparam("customer_ids", expanding=True)),
        SalesOrder.cancelled == false(),
    )
    .distinct()
    .subquery()
)
PURCHASES_WITH_RULES = select(
    _bought.c.customer_id,
    _bought.c.product,
    AssociationRule.consequent,
    AssociationRule.orders_with_both,
    AssociationRule.support,
    AssociationRule.confidence,
    AssociationRule.lift,
).select_from(_bought.outerjoin(AssociationRule, AssociationRule.antecedent == _bought.c.product))


class RecommendationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _baskets(self) -> CTE:
        """Each product once per order that was not cancelled."""
        return (
            select(OrderLine.order_id, OrderLine.product)
            .join(SalesOrder, SalesOrder.order_id == OrderLine.order_id)
            .where(SalesOrder.cancelled == false())
            .distinct()
            .cte("baskets")
        )

    async def order_counts(self) -> tuple[int, dict[str, int]]:
        """All orders with lines, and the orders holding each product."""
        baskets = self._baskets()
        total = await self.session.scalar(select(func.count(func.distinct(baskets.c.order_id))))
        per_product = await self.session.execute(
            select(baskets.c.product, func.count()).group_by(baskets.c.product)
        )
        return int(total or 0), {product: int(count) for product, count in per_product}

    async def pair_counts(self, min_orders: int) -> list[PairCount]:
        """Ordered product pairs found together in at least ``min_orders`` orders."""
        baskets = self._baskets()
        first, second = baskets.alias("first"), baskets.alias("second")
        both = func.count()
        statement = (
            select(first.c.product, second.c.product, both)
            .join(
                second,
                (second.c.order_id == first.c.order_id) & (second.c.product != first.c.product),
            )
            .group_by(first.c.product, second.c.product)
            .having(both >= min_orders)
        )
        return [PairCount(x, y, int(n)) for x, y, n in await self.session.execute(statement)]

    async def replace_rules(self, rules: Sequence[Rule], now: datetime) -> None:
        table: Table = table_of(AssociationRule)
        await self.session.execute(delete(table))
        if rules:
            await self.session.execute(
                table.insert(),
                [
                    {
                        "antecedent": rule.antecedent,
                        "consequent": rule.consequent,
                        "orders_with_both": rule.orders_with_both,
                        "support": rule.support,
                        "confidence": rule.confidence,
                        "lift": rule.lift,
                        "computed_at": now,
                    }
                    for rule in rules
                ],
            )

    async def aliases_of(self, survivor_ids: Collection[str]) -> dict[str, str]:
        """``{alias: survivor}`` of every customer merged into one of these."""
        found: dict[str, str] = {}
        for chunk in key_chunks(sorted(survivor_ids)):
            rows = await self.session.execute(
                select(CustomerAlias.alias_id, CustomerAlias.survivor_id).where(
                    CustomerAlias.survivor_id.in_(chunk)
                )
            )
            found.update((row.alias_id, row.survivor_id) for row in rows)
        return found

    async def purchases_with_rules(
        self, customer_ids: Collection[str]
    ) -> list[tuple[str, str, Rule | None]]:
        """``(customer id the order was filed under, product, a rule from it)`` of the orders
        not cancelled: a product with several rules comes once per rule, one with none once
        with None."""
        found: list[tuple[str, str, Rule | None]] = []
        for chunk in key_chunks(sorted(customer_ids)):
            rows = await self.session.execute(PURCHASES_WITH_RULES, {"customer_ids": chunk})
            for customer, product, consequent, *figures in rows:
                rule = None if consequent is None else Rule(product, consequent, *figures)
                found.append((customer, product, rule))
        return found
