"""The most-valuable-customer order and the loyalty score (DOMAIN.md §6): pure numpy over
arrays of every customer, no I/O.

Loyalty is the mean of the indicators known for a customer, each 0 (disloyal) to 1 (loyal):
- repeat purchases: (orders - 1) / orders; unknown without orders;
- tolerance of quality incidents: 1 if the customer bought again after their first
  complaint, else 0; unknown without complaints;
- attention to competitors: 1 - the share of their closed opportunities lost to a named
  competitor; unknown without closed opportunities;
- decision time: d / (d + days from opening to winning, on average), d the setting
  ``loyalty_decision_days`` (a decision taking d days counts 0.5); unknown without wins;
- the stated view: the master's ``brand_loyalty`` field (none 0, medium 0.5, strong 0.85,
  absolute 1) when it is filled.
Price sensitivity (buying only on promotion) is left out: the order lines analytics keeps
carry no discount. A customer with no indicator has no loyalty score and counts as not loyal.

The order: credit high (grade A or B) or low, size large or small (a business by employees
or annual revenue, an individual by spend; cuts are settings), loyal (score at or above a
cut) or not → class 1 (high, large, loyal), 2 (high, large, disloyal), 3 (high, small,
loyal) … 8 (low, small, disloyal): credit weighs most, then size, then loyalty.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from crm_analytics.settings import AnalyticsSettings

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Texts = npt.NDArray[np.object_]

HIGH_CREDIT_GRADES = ("A", "B")
BUSINESS = "business"
STATED_LOYALTY = {"none": 0.0, "medium": 0.5, "strong": 0.85, "absolute": 1.0}


@dataclass(frozen=True)
class MvcCuts:
    large_employees: float
    large_annual_revenue: float
    large_spend: float
    loyal_score: float
    decision_days: float

    @classmethod
    def of(cls, settings: AnalyticsSettings) -> "MvcCuts":
        return cls(
            large_employees=float(settings.mvc_large_employees),
            large_annual_revenue=float(settings.mvc_large_annual_revenue),
            large_spend=float(settings.mvc_large_spend),
            loyal_score=settings.mvc_loyal_score,
            decision_days=settings.loyalty_decision_days,
        )


@dataclass(frozen=True)
class MvcInputs:
    """One position per customer (sorted by id); NaN where a figure is unknown."""

    customer_ids: list[str]
    kind: Texts  # business, individual, None
    credit_grade: Texts
    employees: Floats
    annual_revenue: Floats
    brand_loyalty: Texts
    orders: Ints
    spend: Floats
    last_order_at: Floats  # POSIX seconds
    complaints: Ints
    first_complaint_at: Floats  # POSIX seconds
    closed_opportunities: Ints
    lost_to_competitor: Ints
    decision_days: Floats  # mean days from opening to winning


@dataclass(frozen=True)
class MvcResult:
    loyalty: Floats  # NaN: no indicator known
    mvc_class: Ints  # 1-8


def repeat_purchase_rate(orders: Ints) -> Floats:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(orders > 0, (orders - 1) / np.maximum(orders, 1), np.nan)


def incident_tolerance(
    complaints: Ints, first_complaint_at: Floats, last_order_at: Floats
) -> Floats:
    bought_again = np.nan_to_num(last_order_at, nan=-np.inf) > first_complaint_at
    return np.where(complaints > 0, bought_again.astype(np.float64), np.nan)


def competitor_loyalty(closed: Ints, lost_to_competitor: Ints) -> Floats:
    return np.where(closed > 0, 1.0 - lost_to_competitor / np.maximum(closed, 1), np.nan)


def decision_speed(decision_days: Floats, half_days: float) -> Floats:
    return half_days / (half_days + np.maximum(decision_days, 0.0))


def stated_loyalty(brand_loyalty: Texts) -> Floats:
    return np.array([STATED_LOYALTY.get(value, np.nan) for value in brand_loyalty], dtype=float)


def loyalty_scores(*indicators: Floats) -> Floats:
    """The mean of the known indicators of each customer (NaN where none is known)."""
    stacked = np.vstack(indicators)
    known = ~np.isnan(stacked)
    counts = known.sum(axis=0)
    totals = np.where(known, stacked, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def credit_is_high(credit_grade: Texts) -> Flags:
    return np.isin(credit_grade, HIGH_CREDIT_GRADES)


def is_large(inputs: MvcInputs, cuts: MvcCuts) -> Flags:
    business = inputs.kind == BUSINESS
    large_business = (np.nan_to_num(inputs.employees, nan=-1.0) >= cuts.large_employees) | (
        np.nan_to_num(inputs.annual_revenue, nan=-1.0) >= cuts.large_annual_revenue
    )
    return np.where(business, large_business, inputs.spend >= cuts.large_spend)


def mvc_classes(credit_high: Flags, large: Flags, loyal: Flags) -> Ints:
    """1 (high credit, large, loyal) … 8 (low credit, small, disloyal)."""
    return (1 + 4 * ~credit_high + 2 * ~large + ~loyal).astype(np.int64)


def evaluate(inputs: MvcInputs, cuts: MvcCuts) -> MvcResult:
    loyalty = loyalty_scores(
        repeat_purchase_rate(inputs.orders),
        incident_tolerance(inputs.complaints, inputs.first_complaint_at, inputs.last_order_at),
        competitor_loyalty(inputs.closed_opportunities, inputs.lost_to_competitor),
        decision_speed(inputs.decision_days, cuts.decision_days),
        stated_loyalty(inputs.brand_loyalty),
    )
    loyal = np.nan_to_num(loyalty, nan=-1.0) >= cuts.loyal_score
    classes = mvc_classes(credit_is_high(inputs.credit_grade), is_large(inputs, cuts), loyal)
    return MvcResult(loyalty=loyalty, mvc_class=classes)


def as_float(value: object) -> float:
    """A segmentation figure as the master sent it (number or text), NaN if it is none."""
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value))
        except ArithmeticError:
            return float("nan")
    return float("nan")
