"""Time as a dependency: every "now" in domain code comes from a :class:`Clock`.

The composition root (the service runtime) holds one clock and hands it to every unit of
work (``uow.clock``); tests inject a :class:`FakeClock` and move time instead of sleeping.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("a FakeClock starts at an aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**parts)``; returns the new now."""
        step = delta if delta is not None else timedelta(**parts)
        if step < timedelta(0):
            raise ValueError("time does not go backwards")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("pass an aware datetime")
        self._now = moment


SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class Day:
    """One calendar day of a time zone, as the UTC instants it starts and ends at."""

    start: datetime
    end: datetime  # excluded


def day_of(now: datetime, zone: str = "UTC") -> Day:
    """The calendar day ``now`` falls on in ``zone`` (an IANA name), in UTC ("today" for a
    caller there); a day with a daylight-saving change is 23 or 25 hours long."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time.min, tzinfo=tz)
    end = datetime.combine(local + timedelta(days=1), time.min, tzinfo=tz)
    return Day(start.astimezone(UTC), end.astimezone(UTC))
