"""Which campaigns an order is credited to, and the return on a campaign's cost."""

from datetime import UTC, datetime, timedelta

import pytest
from crm_marketing.attribution.rules import AttributionModel, Touch, roi, shares

DAY = datetime(2026, 6, 1, tzinfo=UTC)
TOUCHES = [
    Touch("spring", DAY),
    Touch("summer", DAY + timedelta(days=3)),
    Touch("spring", DAY + timedelta(days=5)),
    Touch("vip", DAY + timedelta(days=1)),
]


def test_last_touch_credits_the_newest() -> None:
    assert shares(TOUCHES, AttributionModel.LAST_TOUCH) == {"spring": 1.0}


def test_first_touch_credits_the_oldest() -> None:
    assert shares(TOUCHES, AttributionModel.FIRST_TOUCH) == {"spring": 1.0}
    assert shares(TOUCHES[1:], AttributionModel.FIRST_TOUCH) == {"vip": 1.0}


def test_linear_shares_alike_per_touch() -> None:
    credited = shares(TOUCHES, AttributionModel.LINEAR)
    assert credited == pytest.approx({"spring": 0.5, "summer": 0.25, "vip": 0.25})
    assert sum(credited.values()) == pytest.approx(1.0)


def test_no_touch_no_credit() -> None:
    assert shares([], AttributionModel.LINEAR) == {}


def test_roi() -> None:
    assert roi(1500.0, 500.0) == pytest.approx(2.0)
    assert roi(250.0, 500.0) == pytest.approx(-0.5)
    assert roi(100.0, 0.0) is None
