"""The customer master's reading of sales facts, as pure functions.

- A converted lead becomes a customer: a business when the lead names a company (the
  company is its name, the person its primary contact), an individual otherwise; in stage
  ``prospect`` (it has an open opportunity); its source mapped onto the master's
  vocabulary (:func:`customer_source`).
- An order is one receivable (the order number is the invoice reference): the total owed,
  issued on the order day, due on its due date, what was paid and when. A written-off rest
  is not collected (it stays unpaid for the credit rules). Of several events about one order
  the newest version wins; a cancellation is final.
- An order moves its customer through the lifecycle (:func:`stage_after_orders`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

from crm_shared.contracts.customer import CustomerKind, LifecycleStage
from crm_shared.contracts.sales import (
    LeadSnapshot,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
)

from crm_customer.customers.vocabulary import Source

# Lead sources (free text in the sales service) as the master's source vocabulary.
SOURCE_SYNONYMS: Mapping[str, Source] = {
    "website": Source.WEB,
    "web_form": Source.WEB,
    "online": Source.WEB,
    "inbound": Source.WEB,
    "walk-in": Source.WALK_IN,
    "store": Source.WALK_IN,
    "word_of_mouth": Source.REFERRAL,
    "event": Source.CAMPAIGN,
    "trade_show": Source.CAMPAIGN,
    "email": Source.CAMPAIGN,
    "newsletter": Source.CAMPAIGN,
    "advertising": Source.CAMPAIGN,
    "ads": Source.CAMPAIGN,
    "social": Source.CAMPAIGN,
    "reseller": Source.PARTNER,
    "csv": Source.IMPORT,
}

NAME_LENGTH = 200  # the customer's and the contact's name columns
REFERENCE_LENGTH = 100  # the receivable's reference column


def customer_source(lead_source: str | None, campaign_id: str | None) -> Source | None:
    """The lead's source in the master's words: a known value as it is, a common synonym
    mapped, a lead from a campaign ``campaign``; anything else unknown (None)."""
    key = (lead_source or "").strip().lower().replace(" ", "_")
    if key in {source.value for source in Source}:
        return Source(key)
    if key in SOURCE_SYNONYMS:
        return SOURCE_SYNONYMS[key]
    return Source.CAMPAIGN if campaign_id else None


def customer_fields(lead: LeadSnapshot) -> dict[str, Any]:
    """The body of the customer a converted lead becomes (``CustomerCreate`` fields)."""
    company = (lead.company or "").strip() or None
    source = customer_source(lead.source, lead.campaign_id)
    return {
        "kind": CustomerKind.BUSINESS if company else CustomerKind.INDIVIDUAL,
        "name": (company or person_name(lead))[:NAME_LENGTH],
        "email": lead.email,
        "phone": lead.phone,
        "owner": lead.owner,
        "source": source,
        "lifecycle_stage": LifecycleStage.PROSPECT,
    }


def person_name(lead: LeadSnapshot) -> str:
    """The lead's name; a lead without one (the sales service may allow it) is named by its
    e-mail or its id, since a customer must have a name."""
    return lead.name.strip() or (lead.email or "").strip() or f"lead {lead.id}"


def contact_fields(lead: LeadSnapshot) -> dict[str, Any] | None:
    """The primary contact of a business that a lead became: the person on the lead."""
    if not (lead.company or "").strip():
        return None
    return {
        "name": person_name(lead)[:NAME_LENGTH],
        "email": lead.email,
        "phone": lead.phone,
        "is_primary": True,
    }


OrderEvent: TypeAlias = OrderPlaced | OrderPaymentChanged | OrderCancelled


@dataclass(frozen=True)
class OrderFact:
    """What one order event says about the order's receivable."""

    order_id: str
    customer_id: str
    number: str
    version: int
    ordered_at: datetime
    currency: str
    total: Decimal
    due_on: date
    paid_amount: Decimal
    paid_on: date | None
    cancelled: bool

    @property
    def ordered_on(self) -> date:
        return self.ordered_at.date()


def order_fact(event: OrderEvent) -> OrderFact:
    order = event.order
    return OrderFact(
        order_id=order.id,
        customer_id=order.customer_id,
        number=order.number,
        version=order.version,
        ordered_at=order.ordered_at,
        currency=order.currency,
        total=order.total,
        due_on=order.due_date,
        # Written off is not paid; the receivable cannot hold more than the order's total.
        paid_amount=min(order.paid_amount, order.total),
        paid_on=order.paid_on,
        cancelled=isinstance(event, OrderCancelled),
    )


def newest_per_order(facts: Iterable[OrderFact]) -> dict[str, OrderFact]:
    """The newest fact of each order (by the order's version; at equal versions a
    cancellation wins, since nothing follows it)."""
    newest: dict[str, OrderFact] = {}
    for fact in facts:
        held = newest.get(fact.order_id)
        if held is None or (fact.version, fact.cancelled) > (held.version, held.cancelled):
            newest[fact.order_id] = fact
    return newest


def supersedes(fact: OrderFact, stored_version: int | None, stored_cancelled: bool) -> bool:
    """Whether ``fact`` may change the stored receivable: it is newer, and the order was
    not cancelled (a cancelled order's receivable is void for good)."""
    return not stored_cancelled and fact.version > (stored_version or 0)


def receivable_values(fact: OrderFact) -> dict[str, Any]:
    """The receivable's columns that an order's state sets."""
    settled = fact.paid_amount >= fact.total
    return {
        "reference": fact.number[:REFERENCE_LENGTH],
        "currency": fact.currency,
        "amount": fact.total,
        "issued_on": fact.ordered_on,
        "due_on": max(fact.due_on, fact.ordered_on),
        "paid_amount": fact.paid_amount,
        # The day of full payment (the credit rules' end of the payment cycle).
        "paid_on": fact.paid_on if settled else None,
        "order_version": fact.version,
    }


def distinct_reference(reference: str, order_id: str) -> str:
    """A reference for an order whose number another receivable of the customer already
    holds (an invoice recorded by hand for another order, two orders numbered alike)."""
    mark = f" #{order_id[:8]}"
    return reference[: REFERENCE_LENGTH - len(mark)] + mark


@dataclass(frozen=True)
class StageChange:
    target: LifecycleStage
    reason: str


def stage_after_orders(
    stage: LifecycleStage, orders: Iterable[OrderFact], lost_since: datetime | None
) -> StageChange | None:
    """Where the customer's (not cancelled) orders move them, if anywhere:

    - a ``potential`` or ``prospect`` customer's first order makes them a ``customer``
      (transition ``converted``);
    - a ``lost`` customer's order placed after they were lost wins them back (``recovered``);
      an order from before (history brought in by an import, a late event) does not;
    - a ``customer`` stays one.
    The reason names the earliest order that counts.
    """
    placed = sorted((o for o in orders if not o.cancelled), key=lambda o: (o.ordered_at, o.number))
    if stage in (LifecycleStage.POTENTIAL, LifecycleStage.PROSPECT) and placed:
        return StageChange(LifecycleStage.CUSTOMER, f"first order {placed[0].number}")
    if stage == LifecycleStage.LOST:
        after = [o for o in placed if lost_since is None or o.ordered_at >= lost_since]
        if after:
            return StageChange(LifecycleStage.CUSTOMER, f"order {after[0].number} after being lost")
    return None
