"""The pure rules of corrective actions: the moves, and the value at risk on a complaint."""

from decimal import Decimal

import pytest
from crm_shared.contracts.support import CorrectiveActionState as State
from crm_shared.errors import ConflictError, InvalidError
from crm_support.corrective_actions.rules import check_move, check_note, value_at_risk
from crm_support.settings import SupportSettings


def test_value_at_risk_is_the_lifetime_value_times_the_people_told() -> None:
    assert value_at_risk(Decimal("1234.56"), 10) == Decimal("12345.60")
    assert value_at_risk(Decimal("100"), 12.5) == Decimal("1250.00")
    assert value_at_risk(Decimal("0.333"), 1) == Decimal("0.33")
    with pytest.raises(ValueError, match="not negative"):
        value_at_risk(Decimal("-1"), 10)


def test_only_the_flow_moves_are_allowed() -> None:
    check_move(State.OPEN, State.IN_PROGRESS)
    check_move(State.IN_PROGRESS, State.DONE)
    check_move(State.OPEN, State.DISMISSED)
    with pytest.raises(ConflictError) as refused:
        check_move(State.DONE, State.OPEN)
    assert refused.value.details["allowed"] == []


def test_closing_needs_its_note() -> None:
    check_note(State.DONE, "Two couriers now")
    with pytest.raises(InvalidError):
        check_note(State.DONE, "   ")


def test_the_review_schedule_must_be_cron() -> None:
    with pytest.raises(ValueError, match="not cron"):
        SupportSettings(corrective_review_cron="every monday")
