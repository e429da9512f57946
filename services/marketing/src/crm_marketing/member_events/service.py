"""Use cases of member events (club events, lectures): plan one, list, read, cancel; and the
reminder's durable timer. Never commits.

Each event runs its own campaign (a care campaign: promotions' care-first hold does not keep
it back), so the campaign and sends machinery does the sending with every consent rule and
at most once per step: its audience is the invitees' segment, kept live until the event
starts (a newcomer is invited too), its start the invitations' time (step 1); the reminder's
timer enrols at ``starts_at - lead`` those whose invitation was sent (step 2); a cancellation
closes what still waits and enrols those invited for the cancellation message (step 3).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.cursors import InvalidCursorError
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import Timer, cancel, schedule

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.rules import CampaignStatus
from crm_marketing.campaigns.schemas import MessageIn
from crm_marketing.campaigns.service import start_or_schedule, wind_down
from crm_marketing.db import FIRST_VERSION
from crm_marketing.member_events import rules
from crm_marketing.member_events.models import MemberEvent
from crm_marketing.member_events.repository import MemberEventRepository
from crm_marketing.member_events.rules import MemberEventStatus, Step
from crm_marketing.member_events.schemas import MemberEventCancel, MemberEventCreate
from crm_marketing.messages import templates
from crm_marketing.sends.repository import MessageRepository
from crm_marketing.settings import MarketingSettings

REMINDER_TIMER = "member_event.reminder"
ACTIVE = frozenset({CampaignStatus.RUNNING, CampaignStatus.PAUSED})


class MemberEventStateError(ConflictError):
    default_code = "member-event-state"


class InconsistentMemberEventError(InvalidError):
    """Fields that contradict each other (JSON Schema cannot say it): its own problem type."""

    default_code = "member-event-inconsistent"


@dataclass(frozen=True)
class MemberEventView:
    event: MemberEvent
    campaign: Campaign


@dataclass(frozen=True)
class MemberEventPage:
    items: list[MemberEventView]
    next_cursor: dict[str, Any] | None
    total: int | None = None


def _check_messages(messages: dict[str, MessageIn]) -> None:
    for where, message in messages.items():
        for field in ("subject", "body", "html"):
            source = getattr(message, field)
            if source is not None:
                templates.check(source, field=f"{where}.{field}")


def _refuse(found: list[tuple[str, str]]) -> None:
    if found:
        where, why = found[0]
        raise InconsistentMemberEventError(why, location=f"body.{where}")


def _fitting(channel: MarketingChannel, messages: dict[str, MessageIn]) -> list[tuple[str, str]]:
    return rules.message_inconsistencies(
        channel, [(where, message.subject, message.html) for where, message in messages.items()]
    )


async def create(
    uow: UnitOfWork, body: MemberEventCreate, settings: MarketingSettings, *, actor: str
) -> MemberEventView:
    messages = {"invitation": body.invitation, "reminder": body.reminder}
    _check_messages(messages)
    channel = MarketingChannel(body.channel.value)
    lead = body.reminder_lead_hours or settings.member_event_reminder_hours
    now = uow.clock.now()
    _refuse(
        _fitting(channel, messages)
        + rules.timing_inconsistencies(body.starts_at, body.invite_at, lead, now)
    )
    event = MemberEvent(
        id=str(uuid.uuid4()),
        name=body.name,
        place=body.place,
        starts_at=body.starts_at,
        channel=channel.value,
        segment_id=body.segment_id,
        campaign_id=str(uuid.uuid4()),
        invite_at=body.invite_at,
        reminder_lead_hours=lead,
        reminder_at=rules.reminder_at(body.starts_at, lead),
        status=MemberEventStatus.SCHEDULED.value,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    campaign = Campaign(
        id=event.campaign_id,
        name=body.name,
        objective=f"the member event at {body.place}",
        channel=channel.value,
        status=CampaignStatus.DRAFT.value,
        segment_id=body.segment_id,
        live_audience=True,
        subject=body.invitation.subject,
        body=body.invitation.body,
        html=body.invitation.html,
        step_messages={str(Step.REMINDER): body.reminder.model_dump()},
        budget=None,
        fixed_cost=Decimal("0.00"),
        cost_per_message=Decimal("0.00"),
        currency=settings.currency,
        starts_at=body.invite_at,
        ends_at=body.starts_at,  # newcomers are invited until then
        owner=actor,
        care=True,
        audience=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    MemberEventRepository(uow.session).add(event)
    CampaignRepository(uow.session).add(campaign)
    # The timer rows first, then the messages (the timer worker's order).
    await schedule(uow, kind=REMINDER_TIMER, key=event.id, due_at=event.reminder_at)
    await start_or_schedule(uow, campaign)
    return MemberEventView(event, campaign)


async def _campaign_of(uow: UnitOfWork, event: MemberEvent) -> Campaign:
    campaign = await CampaignRepository(uow.session).get(event.campaign_id)
    if campaign is None:  # written together: only a broken database gets here
        raise NotFoundError.of("campaign", event.campaign_id)
    return campaign


async def load(uow: UnitOfWork, event_id: str) -> MemberEventView:
    event = await MemberEventRepository(uow.session).get(event_id)
    if event is None:
        raise NotFoundError.of("member event", event_id)
    return MemberEventView(event, await _campaign_of(uow, event))


async def list_events(
    uow: UnitOfWork, cursor: dict[str, Any] | None, limit: int, *, count: bool
) -> MemberEventPage:
    after = None
    if cursor is not None:
        try:
            after = (datetime.fromisoformat(cursor["starts_at"]), str(cursor["id"]))
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidCursorError("this cursor was not given by this list") from error
    events = MemberEventRepository(uow.session)
    items = await events.page(after, limit + 1)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = {"starts_at": last.starts_at.isoformat(), "id": last.id}
    campaigns = {
        campaign.id: campaign
        for campaign in await CampaignRepository(uow.session).get_many(
            [event.campaign_id for event in items]
        )
    }
    views = [MemberEventView(event, campaigns[event.campaign_id]) for event in items]
    total = await events.count() if count else None
    return MemberEventPage(views, next_cursor, total)


async def cancel_event(
    uow: UnitOfWork,
    event_id: str,
    body: MemberEventCancel | None,
    expected: ExpectedVersion,
    settings: MarketingSettings,
) -> MemberEventView:
    """Those invited are told (step 3); what still waits (an invitation, the reminder) and
    the reminder's timer go."""
    view = await load(uow, event_id)
    event, campaign = view.event, view.campaign
    check_version(expected, event.version)
    now = uow.clock.now()
    refused = rules.cancellable(MemberEventStatus(event.status), event.starts_at, now)
    if refused:
        raise MemberEventStateError(refused, member_event_status=event.status)
    message = (body.message if body else None) or MessageIn(
        subject=settings.member_event_cancellation_subject,
        body=settings.member_event_cancellation_text,
    )
    messages = {"message": message}
    _check_messages(messages)
    _refuse(_fitting(MarketingChannel(event.channel), messages))
    await cancel(uow, REMINDER_TIMER, event.id)
    event.status = MemberEventStatus.CANCELLED.value
    event.cancelled_at = now
    event.touch(now)
    campaign.step_messages = {
        **(campaign.step_messages or {}),
        str(Step.CANCELLATION): message.model_dump(),
    }
    if await wind_down(uow, campaign):
        repository = MessageRepository(uow.session)
        invited = await repository.reached(campaign.id, Step.INVITATION)
        campaign.audience += await repository.enrol(campaign.id, Step.CANCELLATION, invited, now)
    return view


async def on_reminder_due(uow: UnitOfWork, timer: Timer) -> None:
    """Those whose invitation was sent get the reminder (once: a step of the campaign)."""
    event = await MemberEventRepository(uow.session).get(timer.key)
    if event is None or event.status != MemberEventStatus.SCHEDULED:
        return
    campaign = await _campaign_of(uow, event)
    if CampaignStatus(campaign.status) not in ACTIVE:
        return  # stopped by hand: nothing more goes
    messages = MessageRepository(uow.session)
    invited = await messages.reached(campaign.id, Step.INVITATION)
    campaign.audience += await messages.enrol(campaign.id, Step.REMINDER, invited, uow.clock.now())
