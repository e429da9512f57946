"""Cross-sell suggestions: the refresh of the association rules (called by the scoring run)
and the suggestions read for customers (the profile, and its own route).

A merged customer's orders are filed under the id the event named: a survivor's purchases
are those filed under it and under every alias merged into it.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from itertools import chain

from crm_shared.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.profiles.repository import ProfileRepository
from crm_analytics.recommendations import rules
from crm_analytics.recommendations.repository import RecommendationRepository
from crm_analytics.recommendations.rules import Suggestion


async def refresh_rules(
    session: AsyncSession,
    now: datetime,
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.1,
) -> int:
    """Recount the rules over every order and replace the stored ones; returns how many
    rules were kept. The minimums are the settings ``recommendation_min_support`` and
    ``recommendation_min_confidence``."""
    repository = RecommendationRepository(session)
    total_orders, orders_with = await repository.order_counts()
    pairs = await repository.pair_counts(rules.min_orders_with_both(total_orders, min_support))
    kept = rules.association_rules(
        pairs,
        orders_with,
        total_orders,
        min_support=min_support,
        min_confidence=min_confidence,
    )
    await repository.replace_rules(kept, now)
    return len(kept)


async def suggestions_for(
    session: AsyncSession,
    customer_ids: list[str],
    limit: int,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, list[Suggestion]]:
    """The suggestions of each of these customers (survivors, not aliases), in two queries
    whatever their number. ``aliases`` (``{alias: survivor}``): their aliases, when the
    caller has read them already (then in one)."""
    repository = RecommendationRepository(session)
    owner = {customer_id: customer_id for customer_id in customer_ids}
    owner.update(await repository.aliases_of(customer_ids) if aliases is None else aliases)
    bought: dict[str, set[str]] = defaultdict(set)
    # product -> {consequent: rule}: a product several customers bought comes with its rules
    # once per customer.
    rules_of: dict[str, dict[str, rules.Rule]] = defaultdict(dict)
    for filed_under, product, rule in await repository.purchases_with_rules(owner):
        bought[owner[filed_under]].add(product)
        if rule is not None:
            rules_of[product][rule.consequent] = rule
    return {
        customer_id: rules.suggestions(
            bought[customer_id],
            chain.from_iterable(rules_of[product].values() for product in bought[customer_id]),
            limit,
        )
        for customer_id in customer_ids
    }


async def customer_suggestions(
    session: AsyncSession, customer_id: str, limit: int
) -> tuple[str, list[Suggestion]]:
    """The suggestions of one customer, a merged id answering for its survivor."""
    profiles = ProfileRepository(session)
    found_id = customer_id
    if not await profiles.exists(customer_id):
        found_id = await profiles.survivor_of(customer_id) or ""
        if not found_id or not await profiles.exists(found_id):
            raise NotFoundError.of("customer profile", customer_id)
    found = await suggestions_for(session, [found_id], limit)
    return found_id, found[found_id]
