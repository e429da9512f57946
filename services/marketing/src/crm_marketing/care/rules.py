"""Proactive care's rules (DOMAIN.md §5). Pure.

- A VIP gets a personal call from the owner every so often, as long as they stay VIP.
- A customer whose churn risk rises to high gets a care call first, once per rise, and no
  promotional message for some days after it.
"""

from collections.abc import Collection
from datetime import date, datetime, timedelta

from crm_shared.contracts.analytics import ChurnLevel

EPOCH = date(2000, 1, 1)


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
