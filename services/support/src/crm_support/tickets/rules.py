"""Pure rules of tickets: the cause tree and what makes a complaint major (DOMAIN.md §4)."""

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.contracts.support import Category, TicketKind

from crm_support.settings import SupportSettings

# The second level of the cause tree, by the stage it belongs to ...
PRODUCT_CAUSES = ("quality", "design")
SALES_CAUSES = ("promise_not_kept", "price_regret", "misleading_promotion")
SERVICE_CAUSES = ("attitude", "waiting", "repair_quality", "broken_promise")
CUSTOMER_CAUSES = ("misuse", "excessive_expectations", "misunderstanding")
ALL_CAUSES = PRODUCT_CAUSES + SALES_CAUSES + SERVICE_CAUSES + CUSTOMER_CAUSES

# ... and the causes a category admits. A product complaint may still turn out to be the
# customer's misuse, so the customer side is open to every category but service quality
# (where the cause lies with our staff by definition of the category).
CAUSES_BY_CATEGORY: dict[Category, tuple[str, ...]] = {
    Category.PRODUCT_QUALITY: PRODUCT_CAUSES + CUSTOMER_CAUSES,
    Category.MISLEADING_PROMOTION: SALES_CAUSES + CUSTOMER_CAUSES,
    Category.BILLING: SALES_CAUSES + CUSTOMER_CAUSES,
    Category.DELIVERY: (*SERVICE_CAUSES, "promise_not_kept"),
    Category.SERVICE_QUALITY: SERVICE_CAUSES,
    Category.CUSTOMER_MISUNDERSTANDING: CUSTOMER_CAUSES,
    Category.OTHER: ALL_CAUSES,
}

VIP_PROFILES = ("public_figure", "journalist", "government_official")
MANUAL = "manual"  # made major by hand (POST /escalate with "major": true)


def causes_of(category: Category) -> tuple[str, ...]:
    return CAUSES_BY_CATEGORY[category]


@dataclass(frozen=True)
class MajorFacts:
    """What the major rules look at: the customer (from the view) and the case."""

    kind: TicketKind
    customer_tags: Collection[str] = ()
    value_class: str | None = None
    complainant_profile: str | None = None
    intensity: str | None = None
    compensation_demanded: Decimal | None = None
    repeat_complaint: bool = False  # the same customer complained in the category lately
    contacts: int = 0
    resolved: bool = False
    handovers: int = 0
    inconsistent_answers: bool = False


def major_reasons(facts: MajorFacts, settings: SupportSettings) -> list[str]:
    """Why a complaint is major (empty: it is not, or it is no complaint)."""
    if facts.kind != TicketKind.COMPLAINT:
        return []
    reasons = []
    if settings.major_vip_tag in facts.customer_tags or (
        facts.value_class is not None and facts.value_class in settings.major_value_classes
    ):
        reasons.append("vip")
    if facts.complainant_profile in VIP_PROFILES:
        reasons.append(facts.complainant_profile)
    if facts.intensity == "high":
        reasons.append("high_intensity")
    if (
        facts.compensation_demanded is not None
        and facts.compensation_demanded > settings.major_compensation_threshold
    ):
        reasons.append("compensation_demanded")
    if facts.repeat_complaint:
        reasons.append("repeat_complaint")
    if facts.contacts >= settings.major_after_contacts and not facts.resolved:
        reasons.append("unresolved_after_contacts")
    if facts.handovers >= settings.major_after_handovers:
        reasons.append("passed_around")
    if facts.inconsistent_answers:
        reasons.append("inconsistent_answers")
    return reasons


def merged_reasons(old: list[str], new: Collection[str]) -> list[str]:
    """Reasons only add up: once major, a complaint stays major for what made it so."""
    return old + [reason for reason in new if reason not in old]
