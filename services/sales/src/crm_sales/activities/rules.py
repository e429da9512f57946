"""The rules of activities, pure: when a reminder fires, what "today" and "overdue" mean for
a caller in their time zone, and which links an activity needs."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm_shared.contracts.sales import ActivityKind

REMINDER_KIND = "activity.due"


def reminder_at(due_at: datetime, lead_minutes: int) -> datetime:
    """When the reminder of an activity due at ``due_at`` fires."""
    return due_at - timedelta(minutes=lead_minutes)


@dataclass(frozen=True)
class Day:
    """One calendar day of a time zone, as the UTC instants it starts and ends at."""

    start: datetime
    end: datetime


def day_of(now: datetime, zone: str = "UTC") -> Day:
    """The calendar day ``now`` falls on in ``zone`` (an IANA name), in UTC; a day with a
    daylight-saving change is 23 or 25 hours long."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time.min, tzinfo=tz)
    end = datetime.combine(local + timedelta(days=1), time.min, tzinfo=tz)
    return Day(start.astimezone(UTC), end.astimezone(UTC))


def needs_a_link(kind: ActivityKind) -> bool:
    """A visit, call, e-mail or meeting is with someone (a lead, an opportunity or a
    customer); a task may stand alone (prepare the trade fair)."""
    return kind != ActivityKind.TASK
