"""The sales section's projection of a run of ``crm.sales`` events, in sets.

Orders (placed, paid, cancelled), opportunities (opened, changed, moved), leads (their
source and campaign, for the campaign report) and quotes (their decision, for the "why did
a customer not buy" report) each carry their record's full state and version: the newest of
a run is written over older stored ones (:mod:`crm_analytics.records`); a cancellation wins
at equal versions and is final. Activities have no figures here: they reach the profile
through its timeline.
"""

from collections.abc import Sequence
from datetime import datetime

from crm_shared.bus.handlers import Delivery
from crm_shared.contracts.sales import (
    LeadChanged,
    LeadConverted,
    LeadCreated,
    OpportunityChanged,
    OpportunityOpened,
    OpportunityStageChanged,
    OrderCancelled,
    OrderPaymentChanged,
    OrderPlaced,
    QuoteDecided,
    QuoteIssued,
)
from crm_shared.db import UnitOfWork
from crm_shared.db.rowset import Row
from crm_shared.events import IntegrationEvent

from crm_analytics.records import NewestStates
from crm_analytics.sales.repository import SalesRepository

ORDER_EVENTS = (OrderPlaced, OrderPaymentChanged, OrderCancelled)
OPPORTUNITY_EVENTS = (OpportunityOpened, OpportunityChanged, OpportunityStageChanged)
LEAD_EVENTS = (LeadCreated, LeadChanged, LeadConverted)
QUOTE_EVENTS = (QuoteIssued, QuoteDecided)
SALES_FIGURE_EVENTS: tuple[type[IntegrationEvent], ...] = (
    ORDER_EVENTS + OPPORTUNITY_EVENTS + LEAD_EVENTS + QUOTE_EVENTS
)


class SalesProjection:
    """The batch handler of the order and opportunity events."""

    handles_batches = True

    async def __call__(self, uow: UnitOfWork, deliveries: Sequence[Delivery]) -> None:
        orders = NewestStates(_rank, final=_cancelled)
        opportunities = NewestStates()
        first_lines: dict[str, list[Row]] = {}
        leads = NewestStates()
        quotes = NewestStates()
        for delivery in deliveries:
            event = delivery.event
            if isinstance(event, ORDER_EVENTS):
                orders.offer(event.order.id, order_row(event))
                first_lines.setdefault(event.order.id, line_rows(event))
            elif isinstance(event, OPPORTUNITY_EVENTS):
                opportunities.offer(event.opportunity.id, opportunity_row(event))
            elif isinstance(event, LEAD_EVENTS):
                leads.offer(event.lead.id, lead_row(event))
            elif isinstance(event, QUOTE_EVENTS):
                quotes.offer(event.quote.id, quote_row(event, delivery.envelope.time))
        sales = SalesRepository(uow.session)
        await orders.write(sales.orders())
        await opportunities.write(sales.opportunities())
        # An order's lines never change after its first event; a stored one wins.
        await sales.add_order_lines([row for rows in first_lines.values() for row in rows])
        await leads.write(sales.leads())
        await quotes.write(sales.quotes())


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


def line_rows(event: OrderPlaced | OrderPaymentChanged | OrderCancelled) -> list[Row]:
    order = event.order
    return [
        {
            "order_id": order.id,
            "line_no": number,
            "customer_id": order.customer_id,
            "product": line.product[:200],  # the column's length; names are far shorter
            "quantity": line.quantity,
            "amount": line.amount,
        }
        for number, line in enumerate(order.lines, start=1)
    ]


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
        "competitor": opportunity.competitor,
        "opened_at": opportunity.created_at,
        "loss_reason": opportunity.loss_reason,
        "closed_at": opportunity.closed_at,
        "lead_id": opportunity.lead_id,
    }


def lead_row(event: LeadCreated | LeadChanged | LeadConverted) -> Row:
    lead = event.lead
    return {
        "lead_id": lead.id,
        "customer_id": lead.customer_id or event.customer_id,
        "version": lead.version,
        "status": lead.status.value,
        "source": lead.source,
        "campaign_id": lead.campaign_id,
        "created_at": lead.created_at,
    }


def quote_row(event: QuoteIssued | QuoteDecided, sent_at: datetime) -> Row:
    quote = event.quote
    return {
        "quote_id": quote.id,
        "customer_id": quote.customer_id or event.customer_id,
        "version": quote.version,
        "status": quote.status,
        "currency": quote.currency,
        "total": quote.total,
        "decided_at": sent_at if isinstance(event, QuoteDecided) else None,
    }


def _rank(row: Row) -> tuple[int, bool]:
    """Newer version first; at equal versions a cancellation (nothing follows it)."""
    return row["version"], _cancelled(row)


def _cancelled(row: Row) -> bool:
    return bool(row.get("cancelled", False))
