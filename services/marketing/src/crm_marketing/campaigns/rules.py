"""Where a campaign may go from where it stands, and what may change in each state. Pure.

draft -> scheduled (launched with a start ahead, or an inline audience not arrived yet) or
running (launched); scheduled -> running (its start came and its audience arrived: see
:func:`may_start`); running <-> paused; scheduled, running or paused -> stopped (by hand) or
completed (every message settled, or its end came). Stopped and completed are final.
"""

from datetime import datetime
from enum import StrEnum

from crm_shared.contracts.marketing import MarketingChannel


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"


class Action(StrEnum):
    LAUNCH = "launch"
    START = "start"  # the scheduled start came
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    COMPLETE = "complete"


ALLOWED: dict[Action, frozenset[CampaignStatus]] = {
    Action.LAUNCH: frozenset({CampaignStatus.DRAFT}),
    Action.START: frozenset({CampaignStatus.SCHEDULED}),
    Action.PAUSE: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.RUNNING}),
    Action.RESUME: frozenset({CampaignStatus.PAUSED}),
    Action.STOP: frozenset(
        {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}
    ),
    Action.COMPLETE: frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED}),
}
# The channels a campaign can be launched on (a channel still to come is planned, not launched).
LAUNCHABLE = frozenset(MarketingChannel)
FINAL = frozenset({CampaignStatus.STOPPED, CampaignStatus.COMPLETED})
# What a launched campaign still lets change: its plan, not its audience or message.
PLAN_FIELDS = frozenset(
    {"name", "objective", "budget", "fixed_cost", "cost_per_message", "ends_at", "owner"}
)


def allowed(action: Action, status: CampaignStatus) -> bool:
    return status in ALLOWED[action]


def may_change(status: CampaignStatus, fields: set[str]) -> set[str]:
    """The fields of ``fields`` that may not change in ``status`` (empty: all may)."""
    if status in FINAL:
        return set(fields)
    if status == CampaignStatus.DRAFT:
        return set()
    return fields - PLAN_FIELDS


def inconsistencies(
    channel: MarketingChannel,
    messages: list[tuple[str, str | None, str | None]],
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> list[tuple[str, str]]:
    """What a campaign's fields say against each other, as (field, why): ``messages`` are
    (where, subject, html) of its message and its A/B alternatives."""
    found = []
    for where, subject, html in messages:
        if channel == MarketingChannel.EMAIL and not subject:
            found.append((f"{where}.subject", "an e-mail needs a subject"))
        if channel == MarketingChannel.MAIL and subject:
            found.append((f"{where}.subject", "a letter has no subject: put it in the body"))
        if html is not None and channel != MarketingChannel.EMAIL:
            found.append((f"{where}.html", "an HTML part is for e-mail campaigns only"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        found.append(("ends_at", "the end must be after the start"))
    return found


def may_start(
    status: CampaignStatus, audience_ready: bool, starts_at: datetime | None, now: datetime
) -> bool:
    """A launched, scheduled campaign starts once its start has come and its audience (an
    inline one is evaluated by analytics first) has arrived."""
    return (
        allowed(Action.START, status) and audience_ready and (starts_at is None or starts_at <= now)
    )


def audience_choice(segment_id: str | None, inline: bool) -> tuple[str, str] | None:
    """(field, why) unless the audience is exactly one of a saved segment and an inline
    filter."""
    if segment_id is not None and inline:
        return ("audience", "the audience is a segment_id or an inline audience, not both")
    if segment_id is None and not inline:
        return ("segment_id", "a campaign needs a segment_id or an inline audience")
    return None
