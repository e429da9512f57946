"""The market size estimate and the names of the most-valuable-customer classes: pure.

Market size (DOMAIN.md §6): potential customers = population * share with purchasing
power * share with motivation; * the average annual spend, the market's yearly value.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class MarketSize:
    potential_customers: int
    annual_value: Decimal | None
    formula: str


def market_size(
    population: int,
    purchasing_power_share: float,
    motivation_share: float,
    average_annual_spend: Decimal | None,
) -> MarketSize:
    # Decimal from the shares' shortest repr: 0.3 stays 0.3, so whole results stay whole.
    exact = (
        Decimal(population)
        * Decimal(repr(purchasing_power_share))
        * Decimal(repr(motivation_share))
    )
    customers = int(exact.to_integral_value(ROUND_HALF_EVEN))
    formula = (
        f"potential customers = population * purchasing power share * motivation share"
        f" = {population} * {purchasing_power_share} * {motivation_share} = {customers}"
    )
    value = None
    if average_annual_spend is not None:
        value = (customers * average_annual_spend).quantize(CENT)
        formula += f"; annual value = {customers} * {average_annual_spend} = {value}"
    return MarketSize(customers, value, formula)


@dataclass(frozen=True)
class MvcClass:
    number: int
    credit: str  # high, low
    size: str  # large, small
    loyalty: str  # loyal, disloyal


def mvc_class(number: int) -> MvcClass:
    """Class 1 (high credit, large, loyal) … 8 (low credit, small, disloyal)."""
    bits = number - 1
    return MvcClass(
        number,
        "low" if bits & 4 else "high",
        "small" if bits & 2 else "large",
        "disloyal" if bits & 1 else "loyal",
    )


MVC_CLASSES = [mvc_class(number) for number in range(1, 9)]
