"""An order as its events carry it (``OrderSnapshot``) and as the API answers it."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from crm_shared.contracts.sales import LineSnapshot, OrderSnapshot

from crm_sales.orders import rules
from crm_sales.orders.models import Order, OrderLine, Payment
from crm_sales.orders.schemas import LineOut, OrderOut, PaymentOut


@dataclass
class OrderRecord:
    """An order with its lines (and its payments, when they were read)."""

    order: Order
    lines: list[OrderLine]
    payments: list[Payment] | None = field(default=None)


def state_on(order: Order, today: date) -> rules.PaymentState:
    return rules.current_state(
        order.payment_state, order.due_date, today, cancelled=order.status == "cancelled"
    )


class PricedLine(Protocol):
    """A line of an order or of a quote."""

    @property
    def product(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def discount(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...


def line_snapshots(lines: Sequence[PricedLine]) -> list[LineSnapshot]:
    return [LineSnapshot.model_validate(line, from_attributes=True) for line in lines]


def lines_out(lines: Sequence[PricedLine]) -> list[LineOut]:
    return [LineOut.model_validate(line, from_attributes=True) for line in lines]


def snapshot_of(order: Order, lines: Sequence[OrderLine], today: date) -> OrderSnapshot:
    return OrderSnapshot(
        id=order.id,
        customer_id=order.customer_id,
        number=order.number,
        external_id=order.external_id,
        quote_id=order.quote_id,
        opportunity_id=order.opportunity_id,
        source=order.source,
        status=order.status,
        ordered_at=order.ordered_at,
        currency=order.currency,
        total=order.total,
        lines=line_snapshots(lines),
        payment_terms_days=order.payment_terms_days,
        due_date=order.due_date,
        paid_amount=order.paid_amount,
        written_off_amount=order.written_off_amount,
        paid_on=order.paid_on,
        payment_state=state_on(order, today),
        owner=order.owner,
        version=order.version,
    )


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        amount=payment.amount,
        paid_at=payment.paid_at,
        method=payment.method,
        reference=payment.reference,
        prepayment=payment.prepayment,
        late=payment.late,
        recorded_by=payment.recorded_by,
        recorded_at=payment.recorded_at,
    )


def order_out(record: OrderRecord, today: date) -> OrderOut:
    order = record.order
    return OrderOut(
        id=order.id,
        number=order.number,
        customer_id=order.customer_id,
        external_id=order.external_id,
        quote_id=order.quote_id,
        opportunity_id=order.opportunity_id,
        source=order.source,
        status=order.status,
        owner=order.owner,
        ordered_at=order.ordered_at,
        currency=order.currency,
        total=order.total,
        lines=lines_out(record.lines),
        payment_terms_days=order.payment_terms_days,
        due_date=order.due_date,
        paid_amount=order.paid_amount,
        written_off_amount=order.written_off_amount,
        outstanding=rules.outstanding(order.total, order.paid_amount, order.written_off_amount),
        paid_on=order.paid_on,
        payment_state=state_on(order, today),
        write_off_reason=order.write_off_reason,
        cancel_reason=order.cancel_reason,
        cancelled_at=order.cancelled_at,
        payments=[payment_out(p) for p in record.payments] if record.payments is not None else None,
        version=order.version,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )
