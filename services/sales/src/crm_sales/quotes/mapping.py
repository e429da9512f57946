"""A quote as its events carry it (``QuoteSnapshot``) and as the API answers it."""

from dataclasses import dataclass
from datetime import date

from crm_shared.contracts.sales import QuoteSnapshot

from crm_sales.orders.mapping import line_snapshots, lines_out
from crm_sales.quotes import rules
from crm_sales.quotes.models import Quote, QuoteLine
from crm_sales.quotes.schemas import QuoteOut


@dataclass
class QuoteRecord:
    quote: Quote
    lines: list[QuoteLine]


def status_on(quote: Quote, today: date) -> rules.QuoteStatus:
    return rules.current_status(quote.status, quote.valid_until, today)


def snapshot_of(record: QuoteRecord, today: date) -> QuoteSnapshot:
    quote = record.quote
    return QuoteSnapshot(
        id=quote.id,
        number=quote.number,
        revision=quote.revision,
        customer_id=quote.customer_id,
        opportunity_id=quote.opportunity_id,
        status=status_on(quote, today).value,
        valid_until=quote.valid_until,
        currency=quote.currency,
        total=quote.total,
        lines=line_snapshots(record.lines),
        version=quote.version,
    )


def quote_out(record: QuoteRecord, today: date) -> QuoteOut:
    quote = record.quote
    return QuoteOut(
        id=quote.id,
        number=quote.number,
        revision=quote.revision,
        customer_id=quote.customer_id,
        opportunity_id=quote.opportunity_id,
        owner=quote.owner,
        status=status_on(quote, today),
        valid_until=quote.valid_until,
        currency=quote.currency,
        total=quote.total,
        lines=lines_out(record.lines),
        reject_reason=quote.reject_reason,
        order_id=quote.order_id,
        superseded_by=quote.superseded_by,
        decided_at=quote.decided_at,
        version=quote.version,
        created_at=quote.created_at,
        updated_at=quote.updated_at,
    )
