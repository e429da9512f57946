"""The pure rules of lines, due dates and payment states (no database, no clock: the day
is an argument).

- A line's amount is quantity x unit price x (1 - discount), rounded to the cent (half up);
  a document's total is the sum of its rounded lines, so the total always equals what the
  lines show.
- An order is due ``payment_terms_days`` after the day it was ordered (0: on that day).
- Payment state: ``paid`` once the payments reach the total; ``written_off`` once payments
  and write-offs cover it with something written off; else ``overdue`` when the due date has
  passed; else ``partial`` when something was paid; else ``open``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from crm_shared.contracts.sales import PaymentState

CENT = Decimal("0.01")
ZERO = Decimal(0)
# The largest amount a line or a total may come to (the Money columns: 12 digits, 2 decimals).
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class LineValues:
    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = ZERO


def order_number(sequence: int) -> str:
    return f"O-{sequence:06d}"


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    if not ZERO <= discount <= 1:
        raise ValueError(f"a discount is a share between 0 and 1, not {discount}")
    return to_cents(quantity * unit_price * (1 - discount))


def total_of(lines: Iterable[LineValues]) -> Decimal:
    return sum((line_amount(line.quantity, line.unit_price, line.discount) for line in lines), ZERO)


def too_large(lines: Iterable[LineValues]) -> str | None:
    """Why these lines cannot be one document (None: they can): a line or the total over
    MAX_AMOUNT."""
    total = total_of(lines)
    if total > MAX_AMOUNT:
        return f"the total {total} is more than {MAX_AMOUNT}"
    return None


def due_date(ordered_at: datetime, payment_terms_days: int) -> date:
    """The day the money is due: the order's (UTC) date plus the terms."""
    if payment_terms_days < 0:
        raise ValueError("payment terms are 0 days or more")
    return ordered_at.date() + timedelta(days=payment_terms_days)


def outstanding(total: Decimal, paid: Decimal, written_off: Decimal) -> Decimal:
    """What is still owed (never below zero)."""
    return max(total - paid - written_off, ZERO)


def settled_state(total: Decimal, paid: Decimal, written_off: Decimal) -> PaymentState:
    """The state as far as money decides it, whatever the day: open, partial, paid or
    written_off (what the ``payment_state`` column stores)."""
    if paid >= total:
        return PaymentState.PAID
    if written_off > 0 and paid + written_off >= total:
        return PaymentState.WRITTEN_OFF
    return PaymentState.PARTIAL if paid > 0 else PaymentState.OPEN


def payment_state(
    total: Decimal, paid: Decimal, written_off: Decimal, due: date, today: date
) -> PaymentState:
    """The state on ``today``: an order not settled whose due date has passed is overdue."""
    settled = settled_state(total, paid, written_off)
    if settled in (PaymentState.OPEN, PaymentState.PARTIAL) and today > due:
        return PaymentState.OVERDUE
    return settled


def current_state(stored: str, due: date, today: date, *, cancelled: bool = False) -> PaymentState:
    """The state on ``today`` of an order whose settled state is ``stored`` (a cancelled
    order owes nothing, so it is never overdue)."""
    state = PaymentState(stored)
    if state in (PaymentState.OPEN, PaymentState.PARTIAL) and today > due and not cancelled:
        return PaymentState.OVERDUE
    return state


@dataclass(frozen=True)
class PaidAt:
    amount: Decimal
    paid_at: datetime


def paid_on(total: Decimal, payments: Sequence[PaidAt]) -> date | None:
    """The day the payments, in the order they were paid, reached the total (None: not yet).
    A prepayment can make it a day before the order's own date."""
    running = ZERO
    for payment in sorted(payments, key=lambda p: p.paid_at):
        running += payment.amount
        if running >= total:
            return payment.paid_at.date()
    return None


def is_prepayment(paid_at: datetime, ordered_at: datetime) -> bool:
    return paid_at < ordered_at


def is_late(paid_at: datetime, due: date) -> bool:
    """Paid after the due date (on the due date is in time)."""
    return paid_at.date() > due
