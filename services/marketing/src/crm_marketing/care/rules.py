"""The care programmes' rules (DOMAIN.md §5). Pure.

- A greeting goes on the customer's own day, in their own time zone where known (else the
  service's), from the greeting time of that day; 29 February's people are greeted on the
  28th in other years.
- A VIP gets a personal call from the owner every so often, as long as they stay VIP.
- A customer whose churn risk rises to high gets a care call first, once per rise, and no
  promotional message for some days after it.
"""

import calendar
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm_shared.contracts.analytics import ChurnLevel

EPOCH = date(2000, 1, 1)


def greeting_day(now: datetime, zone: ZoneInfo, from_time: time) -> date | None:
    """The customer's date now, in their ``zone``, once it is past ``from_time`` there (the
    day's greetings may go); else None."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= from_time else None


def is_birthday(birth_date: date, day: date) -> bool:
    if (birth_date.month, birth_date.day) == (day.month, day.day):
        return True
    leap_day_missing = (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)
    return leap_day_missing and (birth_date.month, birth_date.day) == (2, 29)


def days_somewhere(now: datetime) -> list[date]:
    """The dates it is now somewhere on earth: every zone's is within a day of UTC's."""
    utc_day = now.astimezone(UTC).date()
    return [utc_day + timedelta(days=offset) for offset in (-1, 0, 1)]


def is_vip(value_class: str | None, vip_classes: Collection[str]) -> bool:
    return value_class is not None and value_class in vip_classes


def rose_to_high(known: ChurnLevel | None, level: ChurnLevel) -> bool:
    """A rise is a high level after anything else (or nothing known)."""
    return level == ChurnLevel.HIGH and known != ChurnLevel.HIGH


def is_newer(known_sequence: int | None, sequence: int) -> bool:
    return known_sequence is None or sequence > known_sequence


def care_until(risen_at: datetime, days: int) -> datetime | None:
    """The end of the care-first hold after a rise (None: no hold)."""
    return risen_at + timedelta(days=days) if days > 0 else None


def next_call(previous_due: datetime, now: datetime, interval: timedelta) -> datetime:
    """The next periodic call: an interval after the last one was due, but never in the past
    (a worker that was down a long while does not make a run of calls)."""
    due = previous_due + interval
    return due if due > now else now + interval


def day_number(moment: datetime) -> int:
    """A day's number, which makes a programme message's step (one per day at most)."""
    return moment.date().toordinal() - EPOCH.toordinal()
