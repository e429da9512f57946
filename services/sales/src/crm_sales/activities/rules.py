"""The rules of activities, pure: when a reminder fires, which links an activity needs and
the subject of a call marketing asks for ("today" in a caller's time zone is
``crm_shared.clock.day_of``)."""

from datetime import datetime, timedelta

from crm_shared.contracts.sales import ActivityKind

from crm_sales.from_events import shortened

REMINDER_KIND = "activity.due"
SUBJECT_LENGTH = 200
SCRIPT_SEPARATOR = ": "
SCRIPT_ROOM = 20  # the fewest characters of a script worth putting after a call's title


def reminder_at(due_at: datetime, lead_minutes: int) -> datetime:
    """When the reminder of an activity due at ``due_at`` fires."""
    return due_at - timedelta(minutes=lead_minutes)


def needs_a_link(kind: ActivityKind) -> bool:
    """A visit, call, e-mail or meeting is with someone (a lead, an opportunity or a
    customer); a task may stand alone (prepare the trade fair)."""
    return kind != ActivityKind.TASK


def call_subject(title: str, script: str | None) -> str:
    """The subject of a campaign's call: its title, then as much of the caller's script as
    fits (an activity has no field of its own for it), cut after a whole word; no script
    when the title leaves too little room for it to say anything."""
    title = shortened(title, SUBJECT_LENGTH)
    script = " ".join((script or "").split())
    room = SUBJECT_LENGTH - len(title) - len(SCRIPT_SEPARATOR)
    if not script or room < SCRIPT_ROOM:
        return title
    return f"{title}{SCRIPT_SEPARATOR}{shortened(script, room)}"
