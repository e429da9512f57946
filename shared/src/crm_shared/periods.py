"""Reporting periods named as people name them: an ISO week ``2026-W49`` (Monday to Monday),
a month ``2026-12`` or a quarter ``2026-Q4``, each the days ``[first, after)`` and, from
midnight to midnight in a time zone (UTC unless asked), the instants ``[start, end)``.

A report says which forms it takes (the sales forecast: months and quarters; the complaint
statistics: weeks and months); anything else is a ValueError that names them.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class PeriodForm(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


_EXAMPLES = {
    PeriodForm.WEEK: "an ISO week such as 2026-W49",
    PeriodForm.MONTH: "a month such as 2026-12",
    PeriodForm.QUARTER: "a quarter such as 2026-Q4",
}
_PATTERNS = {
    PeriodForm.WEEK: re.compile(r"(\d{4})-W(\d{2})"),
    PeriodForm.MONTH: re.compile(r"(\d{4})-(\d{2})"),
    PeriodForm.QUARTER: re.compile(r"(\d{4})-Q([1-4])"),
}


@dataclass(frozen=True)
class Period:
    label: str  # as given, normalised (2026-W49, 2026-12, 2026-Q4)
    first: date  # its first day
    after: date  # the first day after it
    tz: str = "UTC"

    @property
    def start(self) -> datetime:
        """Its first midnight in ``tz``, in UTC (included)."""
        return _midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        """The midnight after it in ``tz``, in UTC (excluded)."""
        return _midnight(self.after, self.tz)

    @property
    def last(self) -> date:
        return self.after - timedelta(days=1)


def forms_text(forms: Sequence[PeriodForm]) -> str:
    """``"an ISO week such as 2026-W49 or a month such as 2026-12"``."""
    return " or ".join(_EXAMPLES[form] for form in forms)


def parse_period(text: str, forms: Sequence[PeriodForm], tz: str = "UTC") -> Period:
    """The period ``text`` names, of one of ``forms``, in the time zone ``tz`` (ValueError
    for an unknown zone, another form, or a week or month that does not exist)."""
    time_zone(tz)
    value = text.strip().upper()
    for form in forms:
        if match := _PATTERNS[form].fullmatch(value):
            try:
                first, after = _days(form, int(match[1]), int(match[2]))
            except (ValueError, OverflowError):  # week 54, month 13, year 0 or past 9999
                break
            return Period(value, first, after, tz)
    raise ValueError(f"a period is {forms_text(forms)}, not {text!r}")


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``); ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"no time zone {name!r}: an IANA name such as Europe/Berlin") from None


def _days(form: PeriodForm, year: int, number: int) -> tuple[date, date]:
    if form == PeriodForm.WEEK:
        first = date.fromisocalendar(year, number, 1)
        return first, first + timedelta(days=7)
    if form == PeriodForm.MONTH and not 1 <= number <= 12:
        raise ValueError(number)
    months = 1 if form == PeriodForm.MONTH else 3
    first_month = number if form == PeriodForm.MONTH else 3 * (number - 1) + 1
    return _month_start(year, first_month), _month_start(year, first_month + months)


def _month_start(year: int, month: int) -> date:
    """The first of ``month`` (13 is January of the next year)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(tz)).astimezone(UTC)
