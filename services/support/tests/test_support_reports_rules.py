"""The complaint statistics' arithmetic: nearest-rank percentiles, rates, money,
satisfaction and the strongest / weakest items."""

from datetime import UTC, datetime
from decimal import Decimal

from crm_support.reports import rules


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_percentiles_are_nearest_rank() -> None:
    assert rules.percentile([], 50) is None
    assert rules.percentile([7.0], 50) == 7.0
    assert rules.percentile([7.0], 90) == 7.0
    # Rank ceil(p/100 * n): the median of an even count is the lower middle value.
    assert rules.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0
    assert rules.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    values = [float(n) for n in range(1, 11)]  # 1..10
    assert rules.percentile(values, 90) == 9.0
    assert rules.percentile(values, 91) == 10.0
    assert rules.percentile(values, 100) == 10.0
    assert rules.durations([3600.0, 10800.0]) == rules.Durations(2, 3600.0, 10800.0)
    assert rules.durations([]) == rules.Durations(0, None, None)


def test_rates_means_and_money() -> None:
    assert rules.rate(1, 4) == 0.25
    assert rules.rate(0, 0) is None
    assert rules.mean(9, 2) == 4.5
    assert rules.mean(None, 0) is None
    assert rules.money(15.499999999) == Decimal("15.50")  # a SQLite sum of REALs
    assert rules.money(Decimal("20")) == Decimal("20.00")
    assert rules.money(None) == Decimal("0.00")
    assert rules.seconds_between(utc(2026, 12, 1), utc(2026, 12, 1, 1)) == 3600.0
    assert rules.seconds_between(utc(2026, 12, 1), None) is None


def test_the_strongest_and_weakest_items_by_mean_score() -> None:
    items = [
        rules.ItemScore("speed", 3, 2.0, 0.5),
        rules.ItemScore("attitude", 2, 4.5, 1.1),
        rules.ItemScore("clarity", 1, 4.5, None),
        rules.ItemScore("unscored", 0, None, None),
    ]
    assert rules.strongest_and_weakest(items) == ("attitude", "speed")  # tie: by name
    assert rules.strongest_and_weakest(items[:1]) == ("speed", "speed")
    assert rules.strongest_and_weakest([]) == (None, None)
