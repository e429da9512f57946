"""Reporting periods: weeks, months and quarters, as days and as the instants of their
midnights in a time zone; anything else names the forms a report takes."""

from datetime import UTC, date, datetime

import pytest
from crm_shared.periods import PeriodForm, parse_period, time_zone

FORECAST = (PeriodForm.MONTH, PeriodForm.QUARTER)  # the sales forecast's
REPORTS = (PeriodForm.WEEK, PeriodForm.MONTH)  # the complaint statistics'


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2026-12", "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 3, 1)),
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-q1", "2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
        (" 2027-Q2 ", "2027-Q2", date(2027, 4, 1), date(2027, 7, 1)),
    ],
)
def test_months_and_quarters(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text, FORECAST)
    assert (period.label, period.first, period.after) == (label, start, end)
    assert period.start == datetime(start.year, start.month, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026", "Q4", "", "26-12"]
)
def test_not_a_month_nor_a_quarter(text: str) -> None:
    with pytest.raises(ValueError, match=r"period|month|quarter"):
        parse_period(text, FORECAST)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-W49", utc(2026, 11, 30), utc(2026, 12, 7)),
        ("2026-w01", utc(2025, 12, 29), utc(2026, 1, 5)),  # week 1 starts in the year before
        ("2026-W53", utc(2026, 12, 28), utc(2027, 1, 4)),  # 2026 has 53 ISO weeks
        ("2026-12", utc(2026, 12, 1), utc(2027, 1, 1)),
        ("2028-02", utc(2028, 2, 1), utc(2028, 3, 1)),
    ],
)
def test_a_week_or_a_month_is_a_half_open_utc_range(
    text: str, start: datetime, end: datetime
) -> None:
    period = parse_period(text, REPORTS)
    assert (period.label, period.start, period.end) == (text.upper(), start, end)


def test_a_time_zone_moves_the_midnights() -> None:
    period = parse_period("2026-07", REPORTS, "Europe/Berlin")  # summer time: UTC+2
    assert (period.start, period.end) == (utc(2026, 6, 30, 22), utc(2026, 7, 31, 22))
    assert period.tz == "Europe/Berlin"


@pytest.mark.parametrize(
    "text", ["2027-W53", "2026-W00", "2026-13", "2026-00", "2026-1", "26-12", "2026-Q4", "",
             "9999-12", "2026-12-01"],
)  # fmt: skip
def test_anything_else_names_the_expected_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"2026-W49.*2026-12"):
        parse_period(text, REPORTS)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        parse_period("2026-12", REPORTS, "Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        time_zone("../etc/passwd")
