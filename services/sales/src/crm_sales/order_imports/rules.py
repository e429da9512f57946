"""One row of an order history file, read and checked without the database.

Columns: ``customer_id`` or ``customer_external_id`` (one of them in the header; a row names
its customer by either), ``ordered_at`` (a date, or a date-time; without an offset it is
UTC), ``amount`` (the order's total, a decimal such as ``1250.00``), and optionally
``quantity`` (default 1), ``product`` (default "imported order"), ``external_id`` (the
order's id in the ERP), ``currency`` (default the service's), ``payment_terms_days``
(default the setting) or ``due_date``, ``paid_amount`` and ``paid_at``.

Payments: a row with neither ``paid_amount`` nor ``paid_at`` is history that was settled:
paid in full on its order date (a company's past should not grade every customer E). Write
``paid_amount`` 0 for an order still unpaid; ``paid_at`` alone means paid in full then;
``paid_amount`` alone was paid on the order date.

Identity for a re-import: the ``external_id``; a row without one is keyed by a hash of its
customer cell, ``ordered_at``, ``amount`` and ``product`` as written (``natural_key``).
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from crm_shared.csv_import import CsvLayout
from crm_shared.fields import CURRENCY_CODES, Money
from crm_shared.text import control_character_at
from pydantic_core import PydanticCustomError

from crm_sales.csv_imports import RowRefusedError
from crm_sales.orders.rules import MAX_AMOUNT, due_date

__all__ = ["LAYOUT", "Defaults", "OrderRow", "RowRefusedError", "read_row"]

COLUMNS = (
    "customer_id", "customer_external_id", "ordered_at", "amount", "quantity", "product",
    "external_id", "currency", "paid_amount", "paid_at", "payment_terms_days", "due_date",
)  # fmt: skip
LAYOUT = CsvLayout(
    columns=frozenset(COLUMNS),
    required=(("customer_id", "customer_external_id"), ("ordered_at",), ("amount",)),
    cell_limit_setting="order_import_max_cell_chars",
)
DEFAULT_PRODUCT = "imported order"
MAX_TERMS_DAYS = 3650
_AMOUNT = Money(integer_digits=12, positive=False)
_MAX_QUANTITY = Decimal("1e10")
T = TypeVar("T")


@dataclass(frozen=True)
class Defaults:
    currency: str
    payment_terms_days: int
    now: datetime


@dataclass(frozen=True)
class OrderRow:
    """A row as read: its values, and whom it names (resolved later, in bulk)."""

    line: int
    customer_ref: tuple[str, str]  # ("id", a customer id) or ("external_id", an ERP id)
    ordered_at: datetime
    amount: Decimal
    quantity: Decimal
    product: str
    external_id: str | None
    currency: str
    payment_terms_days: int
    due_date: date
    paid_amount: Decimal
    paid_at: datetime | None
    natural_key: str | None  # without an external id

    @property
    def identity(self) -> str:
        """What makes the row the same order again (external id, else the natural key)."""
        return f"x:{self.external_id}" if self.external_id else f"k:{self.natural_key}"


def read_row(line: int, cells: dict[str, str], defaults: Defaults) -> OrderRow:
    """The row's values, or ``RowRefusedError`` with every reason (``column: why``)."""
    cells = {column: cell.strip() for column, cell in cells.items() if cell and cell.strip()}
    errors: list[str] = []

    def check(column: str, parse: Callable[[str], T], default: T) -> T:
        if column not in cells:
            return default
        try:
            return parse(cells[column])
        except (ValueError, ArithmeticError, PydanticCustomError) as error:
            errors.append(f"{column}: {_reason(error)}")
            return default

    customer_ref = _customer_ref(cells, errors)
    ordered_at = check("ordered_at", _instant, None)
    if "ordered_at" not in cells:
        errors.append("ordered_at: required")
    elif ordered_at is not None and ordered_at > defaults.now:
        errors.append(f"ordered_at: {cells['ordered_at']} is in the future")
    amount = check("amount", _AMOUNT.parse, None)
    if "amount" not in cells:
        errors.append("amount: required")
    quantity = check("quantity", _quantity, Decimal(1))
    product = check("product", _text(200), DEFAULT_PRODUCT)
    external_id = check("external_id", _text(100), None)
    currency = check("currency", _currency, defaults.currency)
    terms = check("payment_terms_days", _terms, defaults.payment_terms_days)
    due = check("due_date", date.fromisoformat, None)
    paid_amount = check("paid_amount", _AMOUNT.parse, None)
    paid_at = check("paid_at", _instant, None)
    if paid_at is not None and paid_at > defaults.now:
        errors.append(f"paid_at: {cells['paid_at']} is in the future")
    if errors or customer_ref is None or ordered_at is None or amount is None:
        raise RowRefusedError(errors or ["the row cannot be read"])
    if due is not None:
        terms = (due - ordered_at.date()).days
        if terms < 0:
            errors.append(f"due_date: {due} is before the order's date")
        elif "payment_terms_days" in cells and terms != int(cells["payment_terms_days"]):
            errors.append("due_date: it does not agree with payment_terms_days (give one)")
    if amount / quantity > MAX_AMOUNT:
        errors.append(f"quantity: the unit price ({amount} / {quantity}) would be too large")
    paid_amount, paid_at = _payment(amount, paid_amount, paid_at, ordered_at)
    if paid_amount > amount:
        errors.append(f"paid_amount: {paid_amount} is more than the amount {amount}")
    if errors:
        raise RowRefusedError(errors)
    return OrderRow(
        line=line,
        customer_ref=customer_ref,
        ordered_at=ordered_at,
        amount=amount,
        quantity=quantity,
        product=product,
        external_id=external_id,
        currency=currency,
        payment_terms_days=terms,
        due_date=due or due_date(ordered_at, terms),
        paid_amount=paid_amount,
        paid_at=paid_at,
        natural_key=None if external_id else natural_key(cells, customer_ref, product),
    )


def natural_key(cells: dict[str, str], customer_ref: tuple[str, str], product: str) -> str:
    """A row without an external id is the same order as another with the same customer,
    ``ordered_at`` and ``amount`` (as written) and product."""
    parts = (*customer_ref, cells["ordered_at"], cells["amount"], product)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _payment(
    amount: Decimal, paid_amount: Decimal | None, paid_at: datetime | None, ordered_at: datetime
) -> tuple[Decimal, datetime | None]:
    """(paid, when) by the rules of the module docstring."""
    if paid_amount is None:
        return amount, paid_at or ordered_at  # history: settled (on paid_at, or on ordering)
    if paid_amount == 0:
        return paid_amount, None
    return paid_amount, paid_at or ordered_at


def _customer_ref(cells: dict[str, str], errors: list[str]) -> tuple[str, str] | None:
    if "customer_id" in cells:
        try:
            return ("id", str(uuid.UUID(cells["customer_id"])))
        except ValueError:
            errors.append(f"customer_id: {cells['customer_id']!r} is not a customer id (a UUID)")
            return None
    if "customer_external_id" in cells:
        if len(cells["customer_external_id"]) > 100:
            errors.append("customer_external_id: longer than 100 characters")
            return None
        return ("external_id", cells["customer_external_id"])
    errors.append("customer_id or customer_external_id: required")
    return None


def _instant(text: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 date-time (UTC when it has no offset)."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _quantity(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite() or not 0 < value < _MAX_QUANTITY:
        raise ValueError(f"{text} is not a quantity greater than 0")
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError("at most 4 decimals")
    return value


def _text(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        if control_character_at(text) is not None:
            raise ValueError("control characters are not accepted")
        return text

    return parse


def _currency(text: str) -> str:
    code = text.upper()
    if code not in CURRENCY_CODES:
        raise ValueError(f"{text!r} is not an ISO 4217 currency code such as EUR")
    return code


def _terms(text: str) -> int:
    days = int(text)
    if not 0 <= days <= MAX_TERMS_DAYS:
        raise ValueError(f"between 0 and {MAX_TERMS_DAYS} days")
    return days


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidOperation):
        return "not a number"
    if isinstance(error, PydanticCustomError):
        return error.message()
    return str(error)
