"""The tools' requests and answers: the market size estimate, the most-valuable-customer
report."""

from decimal import Decimal
from typing import Annotated, Literal

from crm_shared.fields import Money
from pydantic import BaseModel, ConfigDict, Field

Spend = Annotated[Decimal, Money(integer_digits=12, positive=False)]


class MarketSizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    population: int = Field(ge=0, le=10_000_000_000, description="People (or firms) in the market")
    purchasing_power_share: float = Field(
        ge=0, le=1, allow_inf_nan=False, description="Share of them able to pay, 0-1"
    )
    motivation_share: float = Field(
        ge=0, le=1, allow_inf_nan=False, description="Share of those who want it, 0-1"
    )
    average_annual_spend: Spend | None = Field(
        None, description="What a customer spends a year: gives the market's yearly value"
    )


class MarketSizeOut(BaseModel):
    potential_customers: int = Field(description="population * the two shares, rounded")
    annual_value: Decimal | None = Field(
        description="potential customers * average annual spend (none without a spend)"
    )
    formula: str = Field(description="The computation, with the figures")


class MvcClassOut(BaseModel):
    mvc_class: int = Field(ge=1, le=8, description="1 (best) to 8")
    credit: Literal["high", "low"] = Field(description="high: credit grade A or B")
    size: Literal["large", "small"]
    loyalty: Literal["loyal", "disloyal"]
    customers: int
    value: Decimal = Field(description="Their spend over all orders, in the reporting currency")
    average_loyalty: float | None = Field(description="Mean loyalty score 0-1 of the class")


class MvcReportOut(BaseModel):
    classes: list[MvcClassOut]
    unclassified: int = Field(description="Scored customers without a class yet")
