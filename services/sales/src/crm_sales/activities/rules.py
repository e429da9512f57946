"""The rules of activities, pure: when a reminder fires and which links an activity needs
("today" in a caller's time zone is ``crm_shared.clock.day_of``)."""

from datetime import datetime, timedelta

from crm_shared.contracts.sales import ActivityKind

REMINDER_KIND = "activity.due"


def reminder_at(due_at: datetime, lead_minutes: int) -> datetime:
    """When the reminder of an activity due at ``due_at`` fires."""
    return due_at - timedelta(minutes=lead_minutes)


def needs_a_link(kind: ActivityKind) -> bool:
    """A visit, call, e-mail or meeting is with someone (a lead, an opportunity or a
    customer); a task may stand alone (prepare the trade fair)."""
    return kind != ActivityKind.TASK
