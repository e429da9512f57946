"""The sales section's projection of a run of ``crm.sales`` events, in sets.

Orders (placed, paid, cancelled) and opportunities (opened, changed, moved) each carry
their record's full state and version. Of a run, the newest state of each record is kept
(a cancellation wins at equal versions and is final); the rows the run names are read (and
on PostgreSQL locked) in one query per table, and the states newer than the stored ones are
written with one multi-row INSERT and one executemany UPDATE per table. Replays, duplicates
and events older than what is stored change nothing. Leads, quotes and activities have no
figures here: they reach the profile through its timeline.
"""

from collections.abc import Sequence
from typing import Any

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.sales import (
    OpportunityChanged,
    OpportunityOpened,
    OpportunityStageChanged,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
)
from crm_shared.db import UnitOfWork
from crm_shared.db.rowset import BulkRows, Row, RowSet
from crm_shared.events import IntegrationEvent

from crm_analytics.sales.repository import SalesRepository

ORDER_EVENTS = (OrderPlaced, OrderPaymentChanged, OrderCancelled)
OPPORTUNITY_EVENTS = (OpportunityOpened, OpportunityChanged, OpportunityStageChanged)
SALES_FIGURE_EVENTS: tuple[type[IntegrationEvent], ...] = ORDER_EVENTS + OPPORTUNITY_EVENTS


class SalesProjection:
    """The batch handler of the order and opportunity events."""

    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        orders: dict[str, Row] = {}
        opportunities: dict[str, Row] = {}
        for delivery in deliveries:
            event = delivery.event
            if isinstance(event, ORDER_EVENTS):
                _keep_newest(orders, event.order.id, order_row(event))
            elif isinstance(event, OPPORTUNITY_EVENTS):
                _keep_newest(opportunities, event.opportunity.id, opportunity_row(event))
        sales = SalesRepository(uow.session)
        await _upsert(sales.orders(), orders)
        await _upsert(sales.opportunities(), opportunities)


def order_row(event: OrderPlaced | OrderPaymentChanged | OrderCancelled) -> Row:
    order = event.order
    return {
        "order_id": order.id,
        "customer_id": order.customer_id,
        "version": order.version,
        "currency": order.currency,
        "total": order.total,
        "paid_amount": order.paid_amount,
        "written_off_amount": order.written_off_amount,
        "ordered_at": order.ordered_at,
        "due_date": order.due_date,
        "payment_state": order.payment_state.value,
        "cancelled": isinstance(event, OrderCancelled),
    }


def opportunity_row(
    event: OpportunityOpened | OpportunityChanged | OpportunityStageChanged,
) -> Row:
    opportunity = event.opportunity
    return {
        "opportunity_id": opportunity.id,
        "customer_id": opportunity.customer_id,
        "version": opportunity.version,
        "stage": opportunity.stage.value,
        "currency": opportunity.currency,
        "amount": opportunity.amount,
        "weighted_amount": opportunity.weighted_amount,
    }


def _rank(row: Row) -> tuple[int, bool]:
    """Newer version first; at equal versions a cancellation (nothing follows it)."""
    return row["version"], bool(row.get("cancelled", False))


def supersedes(new: Row, held: Row) -> bool:
    return not held.get("cancelled", False) and _rank(new) > _rank(held)


def _keep_newest(newest: dict[str, Row], key: str, row: Row) -> None:
    held = newest.get(key)
    if held is None or _rank(row) > _rank(held):
        newest[key] = row


async def _upsert(store: BulkRows, newest: dict[str, Any]) -> None:
    if not newest:
        return
    rows = RowSet(await store.load(newest))
    for key, row in newest.items():
        held = rows.get(key)
        if held is None:
            rows.insert(key, row)
        elif supersedes(row, held):
            rows.update(key, row)
    await store.write(rows)
