"""The sales section of the 360 profile."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

MIXED = "null when the customer's sales are in more than one currency (see the by-currency map)"


class SalesOut(BaseModel):
    """Orders, payments and the open pipeline, as the sales service last published them.
    Amounts are decimal strings; money of different currencies is never added up."""

    model_config = ConfigDict(from_attributes=True)

    orders: int = Field(description="Orders placed and not cancelled")
    currency: str | None = Field(
        description="The one currency of all the customer's orders and open opportunities; "
        "null when there are none or they are mixed"
    )
    revenue: Decimal | None = Field(description=f"Total of the orders; {MIXED}")
    revenue_by_currency: dict[str, Decimal] = Field(description="Total of the orders per currency")
    last_order_at: datetime | None = Field(description="When the latest order was placed")
    open_opportunities: int = Field(description="Opportunities not yet won or lost")
    weighted_pipeline: Decimal | None = Field(
        description=f"the sum of amount times probability of the open opportunities; {MIXED}"
    )
    weighted_pipeline_by_currency: dict[str, Decimal]
    outstanding: Decimal | None = Field(
        description="Not yet paid of the orders (amounts written off are not owed any more); "
        + MIXED
    )
    outstanding_by_currency: dict[str, Decimal]
    overdue_orders: int = Field(description="Orders past their due date and not paid in full")
