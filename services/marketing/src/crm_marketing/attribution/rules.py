"""Which campaigns an order is credited to, and in what shares. Pure.

The touches are the campaign messages delivered to the customer inside the attribution
window before the order. ``last_touch`` (the default) credits the newest touch's campaign
with the whole order, ``first_touch`` the oldest's, ``linear`` every touch alike (a campaign
touching twice gets two parts).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AttributionModel(StrEnum):
    LAST_TOUCH = "last_touch"
    FIRST_TOUCH = "first_touch"
    LINEAR = "linear"


@dataclass(frozen=True)
class Touch:
    campaign_id: str
    at: datetime


def shares(touches: Sequence[Touch], model: AttributionModel) -> dict[str, float]:
    """Campaign -> its share of the order (the shares add up to 1; none without touches)."""
    if not touches:
        return {}
    ordered = sorted(touches, key=lambda touch: (touch.at, touch.campaign_id))
    if model == AttributionModel.LAST_TOUCH:
        return {ordered[-1].campaign_id: 1.0}
    if model == AttributionModel.FIRST_TOUCH:
        return {ordered[0].campaign_id: 1.0}
    part = 1.0 / len(ordered)
    credited: dict[str, float] = {}
    for touch in ordered:
        credited[touch.campaign_id] = credited.get(touch.campaign_id, 0.0) + part
    return credited


def roi(revenue: float, cost: float) -> float | None:
    """(revenue - cost) / cost; None without a cost (nothing to return on)."""
    return (revenue - cost) / cost if cost else None
