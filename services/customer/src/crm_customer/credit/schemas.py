from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from crm_shared.contracts.customer import CreditGrade, OperatingGrade
from crm_shared.fields import Currency, NonNegativeAmount, PositiveAmount, text
from pydantic import BaseModel, Field

from crm_customer.customers.schemas import Strict, Text100

Reason = Annotated[str, text(2000)]


class ReceivableIn(Strict):
    reference: Text100 = Field(description="the invoice number; unique per customer")
    currency: Currency | None = None
    amount: PositiveAmount
    issued_on: date
    due_on: date
    paid_amount: NonNegativeAmount = Field(Decimal(0), description="paid so far")
    paid_on: date | None = Field(None, description="day of the last payment")


class ReceivableUpdate(Strict):
    """Record a payment, or correct the invoice; the whole is checked again. A field left
    out or sent as null keeps its value."""

    currency: Currency | None = None
    amount: PositiveAmount | None = None
    issued_on: date | None = None
    due_on: date | None = None
    paid_amount: NonNegativeAmount | None = None
    paid_on: date | None = None


# The rules between fields, which JSON Schema cannot state: a body that breaks one is
# answered 422 with this problem type (the OpenAPI documents the 422).
INCONSISTENT_RECEIVABLE = "inconsistent-receivable"


def check_receivable(
    amount: Decimal,
    issued_on: date,
    due_on: date,
    paid_amount: Decimal,
    paid_on: date | None,
    today: date,
) -> None:
    if due_on < issued_on:
        raise ValueError("due_on cannot be before issued_on")
    if paid_amount > amount:
        raise ValueError("paid_amount cannot exceed the amount (record a credit note instead)")
    if paid_amount > 0 and paid_on is None:
        raise ValueError("give paid_on, the day of the last payment")
    if paid_on is not None and paid_on < issued_on:
        raise ValueError("paid_on cannot be before issued_on")
    if paid_on is not None and paid_on > today:
        raise ValueError("paid_on cannot be in the future")


class ReceivableOut(BaseModel):
    id: str
    customer_id: str
    reference: str
    currency: str | None
    amount: Decimal
    issued_on: date
    due_on: date
    paid_amount: Decimal
    paid_on: date | None
    outstanding: Decimal
    settled: bool
    recorded_by: str | None
    source: str = Field(
        description="manual (recorded here) or order (an order of the sales service, kept in "
        "step by its events and read-only here)"
    )
    order_id: str | None = Field(description="the sales order this receivable is")
    cancelled_at: datetime | None = Field(
        description="set when the order was cancelled: void, counted for no credit grade"
    )
    version: int
    created_at: datetime
    updated_at: datetime


class ManualGradeIn(Strict):
    credit_grade: CreditGrade
    reason: Reason


class OperatingGradeIn(Strict):
    operating_grade: OperatingGrade
    reason: Reason


class RecomputeIn(Strict):
    reason: Reason | None = None


class ComputedCredit(BaseModel):
    credit_grade: CreditGrade | None = Field(description="what the table gives today")
    collected_share: float | None
    longest_payment_cycle_days: int | None
    receivables_counted: int
    window_months: int
    as_of: date


class CreditOut(BaseModel):
    customer_id: str
    credit_grade: CreditGrade | None
    credit_basis: str | None
    operating_grade: OperatingGrade | None
    rated_at: datetime | None
    computed: ComputedCredit
    version: int


class CreditRatingOut(BaseModel):
    id: int
    credit_grade: CreditGrade | None
    operating_grade: OperatingGrade | None
    basis: str
    changed: str = Field(description="credit_grade or operating_grade")
    collected_share: float | None
    longest_payment_cycle_days: int | None
    reason: str | None
    rated_by: str | None
    rated_at: datetime
