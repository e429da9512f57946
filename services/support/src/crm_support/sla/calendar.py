"""Business time: how long is between two instants, and when a span of it ends, under a
calendar of working hours and holidays (or around the clock, 24x7, the default).

A target of two hours received at 17:30 on a Friday under 08:00-18:00 Monday to Friday is
due at 09:30 on Monday (or Tuesday, when Monday is a holiday). Working hours are read in the
calendar's time zone, so a day with a daylight-saving change keeps its local hours.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far a span may reach (a year and a bit): a calendar with no working day at all, or a
# target longer than this, is a configuration error rather than an endless loop.
MAX_DAYS = 400


class CalendarError(ValueError):
    pass


def _parse_hours(text: str) -> tuple[time, time]:
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    except ValueError as error:
        raise CalendarError(f"working hours {text!r} are not like 08:00-18:00") from error
    if end <= start and end != time(0):
        raise CalendarError(f"working hours {text!r} end before they start")
    return start, end


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (``{"mon": "08:00-18:00"}``; a day not named is closed;
    "00:00-00:00" is the whole day) in ``timezone``, and ``holidays`` closed all day.
    With ``hours`` None every instant is business time (24x7)."""

    hours: Mapping[str, str] | None = None
    timezone: str = "UTC"
    holidays: Sequence[date] = ()
    _windows: dict[int, tuple[time, time]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        windows: dict[int, tuple[time, time]] = {}
        for day, text in (self.hours or {}).items():
            if day not in WEEKDAYS:
                raise CalendarError(f"unknown weekday {day!r}: use {', '.join(WEEKDAYS)}")
            windows[WEEKDAYS.index(day)] = _parse_hours(text)
        if self.hours is not None and not windows:
            raise CalendarError("a business calendar needs at least one working day")
        object.__setattr__(self, "_windows", windows)

    @property
    def around_the_clock(self) -> bool:
        return self.hours is None

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business seconds between ``start`` and ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0.0
        if self.around_the_clock:
            return (end - start).total_seconds()
        total = 0.0
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += (min(closes, end) - max(opens, start)).total_seconds()
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of business time after ``start``; ``start`` itself when
        ``seconds`` is not positive (a span already used up is due now)."""
        if seconds <= 0:
            return start
        if self.around_the_clock:
            return start + timedelta(seconds=seconds)
        remaining = seconds
        for opens, closes in self._windows_from(start):
            begin = max(opens, start)
            available = (closes - begin).total_seconds()
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise CalendarError(f"{seconds} business seconds do not fit in {MAX_DAYS} days")

    def _windows_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (UTC instants) that end after ``start``, in order."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date() - timedelta(days=1)  # a window may span midnight
        closed = set(self.holidays)
        for _ in range(MAX_DAYS):
            window = self._windows.get(day.weekday())
            if window is not None and day not in closed:
                opens_at, closes_at = window
                opens = datetime.combine(day, opens_at, tzinfo=zone).astimezone(UTC)
                closes_day = day + timedelta(days=1) if closes_at <= opens_at else day
                closes = datetime.combine(closes_day, closes_at, tzinfo=zone).astimezone(UTC)
                if closes > start:
                    yield opens, closes
            day += timedelta(days=1)
        raise CalendarError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")


AROUND_THE_CLOCK = BusinessCalendar()
