"""A member event's rules. Pure.

Its invitations go at creation (or at ``invite_at``), its reminder ``reminder_lead_hours``
before it starts, which must come after the invitations; it may be cancelled until it starts
(those invited are told), and each of those messages goes at most once to a member (a step
of the event's campaign).
"""

from datetime import datetime, timedelta
from enum import StrEnum

from crm_shared.contracts.marketing import MarketingChannel


class MemberEventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class EventChannel(StrEnum):
    """The channels that invite: an e-mail or an SMS."""

    EMAIL = "email"
    SMS = "sms"


class Step:
    """The steps of the event's campaign."""

    INVITATION = 1
    REMINDER = 2
    CANCELLATION = 3


def reminder_at(starts_at: datetime, lead_hours: int) -> datetime:
    return starts_at - timedelta(hours=lead_hours)


def message_inconsistencies(
    channel: MarketingChannel, messages: list[tuple[str, str | None, str | None]]
) -> list[tuple[str, str]]:
    """What the messages say against the channel, as (field, why); ``messages`` are (where,
    subject, html)."""
    found = []
    for where, subject, html in messages:
        if channel == MarketingChannel.EMAIL and not subject:
            found.append((f"{where}.subject", "an e-mail needs a subject"))
        if html is not None and channel != MarketingChannel.EMAIL:
            found.append((f"{where}.html", "an HTML part is for e-mail only"))
    return found


def timing_inconsistencies(
    starts_at: datetime, invite_at: datetime | None, lead_hours: int, now: datetime
) -> list[tuple[str, str]]:
    """The event ahead, the invitations before it and the reminder after them."""
    if starts_at <= now:
        return [("starts_at", "the event must be ahead")]
    invited = max(invite_at or now, now)
    if invited >= starts_at:
        return [("invite_at", "the invitations must go before the event")]
    if reminder_at(starts_at, lead_hours) <= invited:
        why = "the reminder would go before the invitations: a shorter lead"
        return [("reminder_lead_hours", why)]
    return []


def cancellable(status: MemberEventStatus, starts_at: datetime, now: datetime) -> str | None:
    """Why the event cannot be cancelled now (None: it can)."""
    if status == MemberEventStatus.CANCELLED:
        return "the event is cancelled already"
    if starts_at <= now:
        return "the event has started"
    return None
