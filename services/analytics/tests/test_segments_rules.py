"""The pure rules of segments: band names, ages from birth dates, membership differences."""

from datetime import date
from decimal import Decimal

import pytest
from crm_analytics.segments.rules import (
    Band,
    birth_dates_of,
    membership_changes,
    parse_band,
    years_before,
)


@pytest.mark.parametrize(
    ("name", "whole_years", "band"),
    [
        ("<18", True, Band("<18", None, Decimal(18))),
        ("18-24", True, Band("18-24", Decimal(18), Decimal(25))),  # 24-year-olds included
        ("65+", True, Band("65+", Decimal(65), None)),
        ("100-250", False, Band("100-250", Decimal(100), Decimal(250))),  # 250 is above
        (">500", False, Band(">500", Decimal(500), None)),  # 500 belongs to the band above
        ("<99.5", False, Band("<99.5", None, Decimal("99.5"))),
    ],
)
def test_band_names_are_read_as_ranges(name: str, whole_years: bool, band: Band) -> None:
    assert parse_band(name, whole_years=whole_years) == band


@pytest.mark.parametrize("name", ["", "young", "30-20", "-5", "5-", "1e3+"])
def test_a_band_of_no_known_form_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="band"):
        parse_band(name, whole_years=False)


def test_the_age_band_s_birth_dates_include_today_s_birthday() -> None:
    today = date(2026, 6, 15)
    after, on_or_before = birth_dates_of(parse_band("25-34", whole_years=True), today)
    # 25 today if born on 2001-06-15; 35 today (out) if born on 1991-06-15.
    assert (after, on_or_before) == (date(1991, 6, 15), date(2001, 6, 15))
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)


def test_membership_changes_count_versions_across_leaves_and_returns() -> None:
    stored = {"a": (1, True), "b": (2, False), "c": (3, True)}

    changes = membership_changes({"a", "b", "d"}, stored)

    assert changes.joins == {"b": 3, "d": 1}  # b comes back, d is new
    assert changes.leaves == {"c": 4}
    assert changes.new == frozenset({"d"})
