"""Request and response bodies of /v1/orders (the lines' shape is shared with quotes)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from crm_shared.contracts.sales import PaymentState
from crm_shared.fields import Currency, Instant, NonNegativeAmount, PositiveAmount, RecordId, text
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from crm_sales.orders.numbers import Discount, Quantity

Product = Annotated[str, text(200)]
Reason = Annotated[str, text(2000)]


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: Product
    quantity: Quantity
    unit_price: NonNegativeAmount
    discount: Discount = Decimal(0)


class LineOut(BaseModel):
    product: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    amount: Decimal = Field(description="quantity x unit_price x (1 - discount), in cents")

    @field_serializer("quantity", "discount", when_used="json")
    def _plain(self, value: Decimal) -> str:
        """As written (``3``, ``0.15``), not at the column's scale (``3.0000``)."""
        return plain_decimal(value)


def plain_decimal(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


Lines = Annotated[list[LineIn], Field(min_length=1, max_length=500)]


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RecordId
    lines: Lines
    ordered_at: Instant | None = Field(None, description="default: now")
    payment_terms_days: int | None = Field(
        None, ge=0, le=3650, description="default: the setting (30); 0 = due on ordering"
    )
    currency: Currency | None = Field(None, description="default: the service's currency")
    external_id: Annotated[str, text(100)] | None = None
    owner: Annotated[str, text(100)] | None = Field(
        None, description="default: the caller, for a rep; nobody (the pool) for others"
    )
    opportunity_id: RecordId | None = None


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveAmount
    paid_at: Instant | None = Field(
        None, description="default: now; before the order's date it is a prepayment"
    )
    method: Annotated[str, text(32)] | None = Field(None, description="cash, transfer, card ...")
    reference: Annotated[str, text(200)] | None = None


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveAmount | None = Field(None, description="default: everything outstanding")
    reason: Reason


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class PaymentOut(BaseModel):
    id: str
    amount: Decimal
    paid_at: datetime
    method: str | None
    reference: str | None
    prepayment: bool = Field(description="paid before the order's date")
    late: bool = Field(description="paid after the due date")
    recorded_by: str | None
    recorded_at: datetime


class OrderOut(BaseModel):
    id: str
    number: str
    customer_id: str
    external_id: str | None
    quote_id: str | None
    opportunity_id: str | None
    source: str = Field(description="api, quote or import")
    status: str = Field(description="placed or cancelled")
    owner: str | None
    ordered_at: datetime
    currency: str
    total: Decimal
    lines: list[LineOut]
    payment_terms_days: int
    due_date: date
    paid_amount: Decimal
    written_off_amount: Decimal
    outstanding: Decimal
    paid_on: date | None = Field(description="the day the payments reached the total")
    payment_state: PaymentState = Field(description="on today's date (overdue by the clock)")
    write_off_reason: str | None
    cancel_reason: str | None
    cancelled_at: datetime | None
    payments: list[PaymentOut] | None = Field(
        None, description="the payments, oldest first (on a single order; null in lists)"
    )
    version: int
    created_at: datetime
    updated_at: datetime


class PaymentRecordedOut(BaseModel):
    payment: PaymentOut
    order: OrderOut


class OrderFilter(BaseModel):
    customer_id: RecordId | None = None
    payment_state: PaymentState | None = Field(
        None, description="on today's date: overdue = due date passed and not settled"
    )
    ordered_from: Instant | None = Field(None, description="ordered at or after")
    ordered_before: Instant | None = Field(None, description="ordered before")
