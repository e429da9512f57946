"""Settings of the support service, read from ``CRM_SUPPORT_*`` (and ``CRM_*``) variables.

Every number of the service rules (DOMAIN.md §4) is a setting: the 2-1-2-3 targets (ISO 8601
durations: ``CRM_SUPPORT_SLA_FIRST_CONTACT=PT2H``), the warning point, the business calendar,
what makes a complaint major, recovery limits, the follow-up questionnaire.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_shared.contracts.support import Priority
from crm_shared.settings import ServiceSettings
from croniter import croniter
from pydantic import Field, SecretStr, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_PRIORITY_FACTORS: dict[Priority, float] = {
    Priority.LOW: 2.0,
    Priority.NORMAL: 1.0,
    Priority.HIGH: 0.5,
    Priority.URGENT: 0.25,
}
DEFAULT_SURVEY_ITEMS = [
    "problem_fixed",
    "questions_answered",
    "staff_attitude",
    "speed",
    "overall",
]


class SupportSettings(ServiceSettings):
    service_name: ClassVar[str] = "support"

    port: int = 8004

    # --- the 2-1-2-3 targets, in business time (the calendar below) ---
    sla_first_contact: timedelta = timedelta(hours=2)
    sla_proposal: timedelta = timedelta(days=1)
    sla_major_reply: timedelta = timedelta(days=2)
    sla_follow_up: timedelta = timedelta(days=3)
    # A running target turns "at risk" (and says so once) past this share of its time.
    sla_at_risk_share: float = Field(0.8, gt=0, lt=1)
    # The targets of a priority are the durations above times its factor (JSON, e.g.
    # CRM_SUPPORT_SLA_PRIORITY_FACTORS='{"urgent": 0.1}'; those not named keep theirs).
    sla_priority_factors: dict[Priority, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_FACTORS)
    )
    # The business calendar: none (24x7) by default. Working hours per weekday
    # ('{"mon": "08:00-18:00", ...}'; a day not named is closed), in the calendar's zone,
    # and holidays (closed all day), e.g. CRM_SUPPORT_SLA_HOLIDAYS='["2026-12-25"]'.
    sla_working_hours: dict[str, str] | None = None
    sla_timezone: str = "UTC"
    sla_holidays: list[date] = Field(default_factory=list)

    # --- major complaints ---
    major_vip_tag: str = "vip"  # a customer with this tag in the master is a VIP
    major_value_classes: list[str] = Field(default_factory=lambda: ["VIP", "A"])  # analytics
    major_compensation_threshold: Decimal = Field(Decimal(1000), ge=0)
    major_repeat_window_days: int = Field(90, ge=1)  # same customer, same category
    major_after_contacts: int = Field(3, ge=1)  # still unresolved after this many contacts
    major_after_handovers: int = Field(2, ge=1)  # passed around
    # Who escalation adds: the owner's team manager (from crm.identity), else this user;
    # and senior management for a major complaint.
    escalation_manager: str = "support-manager"
    senior_management: str = "senior-management"

    # --- group complaints: this many on one cause or product within the window ---
    crisis_threshold: int = Field(5, ge=2)
    crisis_window_days: int = Field(7, ge=1)

    # --- service recovery: the most a role may approve per ticket, in default_currency;
    # a manager (support:manage, or a team's manager) may exceed it, and it is recorded ---
    default_currency: str = Field("EUR", min_length=3, max_length=3)
    recovery_limits: dict[str, Decimal] = Field(
        default_factory=lambda: {"support": Decimal(200), "sales": Decimal(200)}
    )

    # --- follow-up surveys ---
    survey_items: list[str] = Field(default_factory=lambda: list(DEFAULT_SURVEY_ITEMS))
    # Raise it whenever the items change, so a revised questionnaire doesn't corrupt the trend.
    survey_questionnaire_version: int = Field(1, ge=1)
    # A score at or under this on any item (or "problem_fixed" at it) opens a complaint.
    survey_dissatisfied_score: int = Field(2, ge=1, le=4)
    survey_link_days: int = Field(14, ge=1)  # how long the customer's signed link works
    # The key that signs survey links; generated under the data folder when not set.
    survey_link_secret: SecretStr | None = None
    # Where customers reach the support service (the link's base).
    public_url: str = "http://127.0.0.1:8004"

    # --- the knowledge base ---
    knowledge_suggestions: int = Field(10, ge=1)  # standard answers suggested on a ticket
    knowledge_gap_ticket_ids: int = Field(50, ge=1)  # ticket ids listed per gap (category)

    # --- service visits and follow-up calls ---
    # After every sale (crm.sales OrderPlaced) and every service visit a follow-up call
    # falls due this long after (ISO 8601: CRM_SUPPORT_FOLLOW_UP_CALL_WITHIN=P3D).
    follow_up_call_within: timedelta = Field(timedelta(days=3), gt=timedelta(0))
    follow_up_after_orders: bool = True
    # Who makes the call when the visit names no staff and the order no owner.
    follow_up_default_owner: str = Field("service-desk", min_length=1, max_length=100)

    # --- corrective actions ---
    # A survey item whose mean score in a department over the window is under this is weak:
    # the department gets a corrective action (one open per item and questionnaire version).
    corrective_weak_mean: float = Field(3.0, gt=1, le=5)
    corrective_min_answers: int = Field(5, ge=1)  # fewer answers: no verdict
    corrective_window_days: int = Field(30, ge=1)
    corrective_review_cron: str = "0 6 * * 1"  # weekly, Monday 06:00 UTC
    # A lost complainant costs the customers they tell too (DOMAIN.md: 10-20 people): the
    # value at risk on a complaint is the customer's lifetime value times this.
    word_of_mouth_multiplier: float = Field(10, ge=0)

    @field_validator("sla_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{value!r} is not an IANA time zone") from error
        return value

    @field_validator("sla_working_hours")
    @classmethod
    def _known_days(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekdays {unknown}: use {', '.join(WEEKDAYS)}")
        return value

    @model_validator(mode="after")
    def _every_priority_has_a_factor(self) -> Self:
        self.sla_priority_factors = {**DEFAULT_PRIORITY_FACTORS, **self.sla_priority_factors}
        if any(factor <= 0 for factor in self.sla_priority_factors.values()):
            raise ValueError("sla_priority_factors must be positive")
        for name in ("sla_first_contact", "sla_proposal", "sla_major_reply", "sla_follow_up"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be a positive duration")
        if not croniter.is_valid(self.corrective_review_cron):
            raise ValueError(f"corrective_review_cron: {self.corrective_review_cron!r} is not cron")
        return self
