"""Win-back's rules: the stage by days without a purchase, which stage is still to decide in a
spell, when to look next, what a customer is worth a year, and the decision with its reason
(on the yearly spend or analytics' CLV prediction)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from crm_marketing.settings import MarketingSettings
from crm_marketing.winback.rules import decide, is_news, next_check, stage_at, yearly_value
from crm_marketing.winback.service import policy_of
from crm_shared.contracts.marketing import WinbackAction, WinbackStage

POLICY = policy_of(MarketingSettings.model_construct())
LAST = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (0, None),
        (89, None),
        (90, WinbackStage.REMINDER),
        (179, WinbackStage.REMINDER),
        (180, WinbackStage.FOLLOW_UP),
        (364, WinbackStage.FOLLOW_UP),
        (365, WinbackStage.RECALL),
        (2000, WinbackStage.RECALL),
    ],
)
def test_the_stage_by_days_without_a_purchase(days: int, stage: WinbackStage | None) -> None:
    assert stage_at(days, POLICY) == stage


def test_the_next_look_is_the_next_stage_start() -> None:
    assert next_check(LAST, LAST, POLICY) == LAST + timedelta(days=90)
    assert next_check(LAST, LAST + timedelta(days=100), POLICY) == LAST + timedelta(days=180)
    assert next_check(LAST, LAST + timedelta(days=365), POLICY) is None


def test_a_year_of_spend_counts_a_first_year_whole() -> None:
    assert yearly_value(Decimal("120"), LAST, LAST) == Decimal("120.00")
    two_years = LAST + timedelta(days=730)
    assert yearly_value(Decimal("1000"), LAST, two_years) == Decimal("500.00")


def customer(**fields: Any) -> dict[str, Any]:
    return {"id": "c1", "status": "active", "credit_grade": "B", "tags": [], **fields}


@pytest.mark.parametrize(
    ("record", "value", "stage", "action", "reason"),
    [
        (customer(), Decimal(200), WinbackStage.REMINDER, WinbackAction.SMS_REMINDER, "reminder"),
        (customer(), Decimal(200), WinbackStage.FOLLOW_UP, WinbackAction.OWNER_CALL, "follow up"),
        (customer(), Decimal(200), WinbackStage.RECALL, WinbackAction.RECALL_OFFER, "recall"),
        (customer(credit_grade="E"), Decimal(900), WinbackStage.REMINDER, WinbackAction.LET_GO,
         "credit grade E"),
        (customer(tags=["malicious-arrears"]), Decimal(900), WinbackStage.RECALL,
         WinbackAction.LET_GO, "malicious-arrears"),
        (customer(value_class="VIP"), Decimal(1), WinbackStage.FOLLOW_UP, WinbackAction.VIP_VISIT,
         "VIP"),
        (customer(tags=["vip"]), Decimal(1), WinbackStage.REMINDER, WinbackAction.VIP_VISIT, "VIP"),
        (customer(), Decimal("9.99"), WinbackStage.FOLLOW_UP, WinbackAction.LET_GO,
         "worth 9.99 EUR a year, owner call costs 15.00 EUR"),
        (customer(), Decimal("9.99"), WinbackStage.REMINDER, WinbackAction.SMS_REMINDER,
         "worth 9.99"),
    ],
)  # fmt: skip
def test_the_decision_and_its_reason(
    record: dict[str, Any],
    value: Decimal,
    stage: WinbackStage,
    action: WinbackAction,
    reason: str,
) -> None:
    decision = decide(stage, record, value, POLICY)
    assert decision.action == action
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("stage", "decided", "news"),
    [
        (WinbackStage.REMINDER, None, True),
        (WinbackStage.REMINDER, "reminder", False),  # a replay
        (WinbackStage.FOLLOW_UP, "reminder", True),
        (WinbackStage.REMINDER, "follow_up", False),  # a late event about an earlier stage
        (WinbackStage.RECALL, "follow_up", True),
        (WinbackStage.RECALL, "recall", False),
    ],
)
def test_each_stage_is_decided_once_and_never_after_a_later_one(
    stage: WinbackStage, decided: str | None, news: bool
) -> None:
    assert is_news(stage, decided) is news


def test_a_clv_prediction_below_the_cost_lets_go_with_its_horizon_in_the_reason() -> None:
    customer = {"credit_grade": "A", "tags": []}
    per = "over the next 12 months (CLV)"
    low = decide(WinbackStage.FOLLOW_UP, customer, Decimal("14.99"), POLICY, per=per)
    assert low.action == WinbackAction.LET_GO
    assert low.reason == (
        "worth 14.99 EUR over the next 12 months (CLV), owner call costs 15.00 EUR"
    )
    enough = decide(WinbackStage.FOLLOW_UP, customer, Decimal("15.00"), POLICY, per=per)
    assert enough.action == WinbackAction.OWNER_CALL
