"""The major rules (each reason), the cause tree, and the targets' budgets by priority."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from crm_shared.contracts.support import Category, TargetName, TicketKind
from crm_support.settings import SupportSettings
from crm_support.sla.targets import budget_of, calendar_of
from crm_support.tickets.rules import (
    ALL_CAUSES,
    MajorFacts,
    causes_of,
    major_reasons,
    merged_reasons,
)

SETTINGS = SupportSettings()
PLAIN = MajorFacts(kind=TicketKind.COMPLAINT)


def test_a_plain_complaint_is_not_major() -> None:
    assert major_reasons(PLAIN, SETTINGS) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"customer_tags": ["vip"]}, "vip"),
        ({"value_class": "A"}, "vip"),
        ({"complainant_profile": "public_figure"}, "public_figure"),
        ({"complainant_profile": "journalist"}, "journalist"),
        ({"complainant_profile": "government_official"}, "government_official"),
        ({"intensity": "high"}, "high_intensity"),
        ({"compensation_demanded": Decimal("1000.01")}, "compensation_demanded"),
        ({"repeat_complaint": True}, "repeat_complaint"),
        ({"contacts": 3}, "unresolved_after_contacts"),
        ({"handovers": 2}, "passed_around"),
        ({"inconsistent_answers": True}, "inconsistent_answers"),
    ],
)
def test_each_major_reason(changes: dict[str, object], reason: str) -> None:
    assert major_reasons(replace(PLAIN, **changes), SETTINGS) == [reason]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"value_class": "B"},
        {"customer_tags": ["poet"]},
        {"intensity": "medium"},
        {"compensation_demanded": Decimal(1000)},  # at the threshold: not over it
        {"contacts": 2},
        {"contacts": 5, "resolved": True},
        {"handovers": 1},
    ],
)
def test_below_the_thresholds_nothing_is_major(changes: dict[str, object]) -> None:
    assert major_reasons(replace(PLAIN, **changes), SETTINGS) == []  # type: ignore[arg-type]


def test_only_complaints_are_major() -> None:
    facts = replace(PLAIN, kind=TicketKind.INQUIRY, intensity="high", customer_tags=["vip"])
    assert major_reasons(facts, SETTINGS) == []


def test_the_thresholds_are_settings() -> None:
    settings = SupportSettings(major_vip_tag="gold", major_after_contacts=1)
    assert major_reasons(replace(PLAIN, customer_tags=["gold"], contacts=1), settings) == [
        "vip",
        "unresolved_after_contacts",
    ]


def test_reasons_only_add_up() -> None:
    assert merged_reasons(["vip"], ["high_intensity", "vip"]) == ["vip", "high_intensity"]
    assert merged_reasons(["vip"], []) == ["vip"]


def test_every_cause_belongs_to_some_category() -> None:
    assert set(ALL_CAUSES) == set(causes_of(Category.OTHER))
    assert "quality" in causes_of(Category.PRODUCT_QUALITY)
    assert "attitude" not in causes_of(Category.PRODUCT_QUALITY)
    assert "misuse" not in causes_of(Category.SERVICE_QUALITY)


@pytest.mark.parametrize(
    ("priority", "hours"), [("low", 4.0), ("normal", 2.0), ("high", 1.0), ("urgent", 0.5)]
)
def test_a_budget_is_the_setting_times_the_priority_factor(priority: str, hours: float) -> None:
    assert budget_of(TargetName.FIRST_CONTACT, priority, SETTINGS) == hours * 3600


def test_the_other_targets_are_one_two_three_days() -> None:
    day = 24 * 3600.0
    assert budget_of(TargetName.PROPOSAL, "normal", SETTINGS) == day
    assert budget_of(TargetName.MAJOR_REPLY, "normal", SETTINGS) == 2 * day
    assert budget_of(TargetName.FOLLOW_UP, "high", SETTINGS) == 1.5 * day


def test_factors_and_durations_are_settings() -> None:
    settings = SupportSettings(
        sla_first_contact=timedelta(hours=3), sla_priority_factors={"urgent": 0.1}
    )
    assert budget_of(TargetName.FIRST_CONTACT, "urgent", settings) == pytest.approx(1080)
    assert budget_of(TargetName.FIRST_CONTACT, "low", settings) == 6 * 3600


def test_one_calendar_per_settings() -> None:
    settings = SupportSettings(sla_working_hours={"mon": "08:00-18:00"})
    assert calendar_of(settings) is calendar_of(settings)
    assert not calendar_of(settings).around_the_clock
    assert calendar_of(SETTINGS).around_the_clock
