"""Events the analytics service publishes on ``crm.analytics``: what the other services act on.

Every event but ``segment.evaluated`` is keyed by the customer id, so it is ordered with the
customer's other events and files under the customer on the 360 timeline. Each carries the
state after the change and a per-customer ``sequence`` (the scoring run's or the
membership's ``version``), so a consumer ignores an event older than what it already
applied. No personal data travels:
ids, classes, scores and reasons only.

- ``value_class.changed``: the ABC class (by value over the window) and the VIP class
  changed; support marks a complaint major for the classes its settings name (A, VIP).
- ``churn_risk.changed``: the churn-risk level changed (low, medium, high), with the score
  and the reasons; marketing's proactive care acts on a rise.
- ``customer.inactive``: a customer crossed an inactivity threshold (days without a purchase)
  since the previous scoring run, once per crossing; marketing's win-back acts on it.
- ``segment.membership_changed``: a customer joined or left a saved segment.
- ``segment.evaluated``: a segment made for a campaign's inline audience (marketing's
  ``audience.requested``) was evaluated for the first time, with how many members joined.
  Keyed by the segment: the joins (keyed by customer) may arrive before or after it, so each
  join of that evaluation carries its ``evaluation_id`` and marketing counts them.
"""

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from crm_shared.events.registry import IntegrationEvent, integration_event


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"  # only in the ABCD variant, which splits C


class ValueClass(StrEnum):
    """What a customer is worth to the business: VIP above the ABC classes."""

    VIP = "VIP"
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ChurnLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ChurnReason(BaseModel):
    """One reason behind a churn-risk score: a stable code, its weight in the score and the
    figure that triggered it, in words a manager reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str  # inactive, frequency_falling, spend_falling, open_complaint, ...
    weight: float = Field(ge=0, le=1)
    detail: str


class AnalyticsEvent(IntegrationEvent):
    key_field: ClassVar[str] = "customer_id"

    customer_id: str


@integration_event("crm.analytics.value_class.changed.v1")
class ValueClassChanged(AnalyticsEvent):
    value_class: ValueClass | None  # None: no value yet (no orders in the window)
    previous: ValueClass | None
    abc_class: AbcClass | None
    # The value the class was computed from, in the reporting currency, over the window.
    value: str
    currency: str
    sequence: int  # the scoring run that decided it
    computed_at: AwareDatetime


@integration_event("crm.analytics.churn_risk.changed.v1")
class ChurnRiskChanged(AnalyticsEvent):
    level: ChurnLevel
    previous: ChurnLevel | None
    score: float = Field(ge=0, le=1)
    reasons: list[ChurnReason]
    # Days since the last purchase (None: never bought) and the customer's own rhythm.
    days_inactive: int | None = None
    usual_gap_days: float | None = None
    sequence: int
    computed_at: AwareDatetime


@integration_event("crm.analytics.customer.inactive.v1")
class CustomerInactive(AnalyticsEvent):
    """A customer crossed an inactivity threshold: once per threshold per inactive spell (a
    new purchase starts a new spell)."""

    days_inactive: int = Field(ge=0)  # days since the last purchase, as of the run
    last_activity_at: AwareDatetime  # the last purchase: it names the spell
    threshold_days: int = Field(ge=1)  # the highest threshold crossed
    # The CLV model's predicted value over ``horizon_months`` in ``currency`` (None: no model).
    expected_value: str | None = None
    horizon_months: int | None = None
    currency: str
    sequence: int  # the scoring run that saw the crossing
    computed_at: AwareDatetime


class MembershipChange(StrEnum):
    JOINED = "joined"
    LEFT = "left"


@integration_event("crm.analytics.segment.membership_changed.v1")
class SegmentMembershipChanged(AnalyticsEvent):
    segment_id: str
    segment_name: str
    change: MembershipChange
    # The membership's version for this customer and segment (1 on the first join).
    sequence: int
    changed_at: datetime
    # Set on the joins of a requested segment's first evaluation (``segment.evaluated``
    # says how many there are); None on every other change, and in older events.
    evaluation_id: str | None = None


@integration_event("crm.analytics.segment.evaluated.v1")
class SegmentEvaluated(IntegrationEvent):
    """A requested segment's first evaluation: ``members`` joins carry its id."""

    key_field: ClassVar[str] = "segment_id"

    segment_id: str
    evaluation_id: str
    members: int = Field(ge=0)
    # Why no one was selected when the filter could not be evaluated (e.g. a band the
    # settings do not name); None when it was.
    problem: str | None = None
    evaluated_at: datetime
