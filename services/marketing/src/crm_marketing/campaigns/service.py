"""Use cases of campaigns: plan, change, launch (the audience snapshotted), pause, resume,
stop, the scheduled start and end, and the results. Never commits.

A campaign planned with an inline audience asks analytics to save it as a segment
(``audience.requested``); a launch before that segment's first evaluation has fully arrived
(its ``segment.evaluated`` and as many joins of it) leaves the campaign scheduled, and the
last of those events starts it.

The sending itself is the sender's (``crm_marketing.sends.sender``): a launch enrols the
audience as pending messages and the sender picks them up.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, overload

from crm_shared.contracts.marketing import AudienceRequested, MarketingChannel
from crm_shared.contracts.segments import stored
from crm_shared.cursors import InvalidCursorError
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import Timer, cancel, schedule

from crm_marketing.audiences.repository import AudienceRepository, EvaluationCount
from crm_marketing.campaigns import ab
from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.rules import (
    FINAL,
    LAUNCHABLE,
    Action,
    CampaignStatus,
    allowed,
    audience_choice,
    inconsistencies,
    may_change,
    may_start,
)
from crm_marketing.campaigns.schemas import AbTestIn, CampaignCreate, CampaignUpdate, MessageIn
from crm_marketing.db import FIRST_VERSION
from crm_marketing.messages import templates
from crm_marketing.sends.repository import MessageRepository, MessageStatus
from crm_marketing.sends.rules import SkipReason
from crm_marketing.settings import MarketingSettings

MONEY = ("budget", "fixed_cost", "cost_per_message")
CENT = Decimal("0.01")
START_KIND = "campaign.start"
AB_KIND = "campaign.ab_decision"
END_KIND = "campaign.end"
FIRST_STEP = 1


@dataclass(frozen=True)
class CampaignPage:
    items: list[Campaign]
    next_cursor: dict[str, Any] | None
    total: int | None = None


class CampaignStateError(ConflictError):
    default_code = "campaign-state"


class InconsistentCampaignError(InvalidError):
    """Fields that contradict each other (JSON Schema cannot say it): its own problem type."""

    default_code = "campaign-inconsistent"


def _check_consistency(campaign: Campaign) -> None:
    alternatives = (campaign.ab_test or {}).get("alternatives") or []
    messages = [("message", campaign.subject, campaign.html)] + [
        (f"ab_test.alternatives[{n}]", alternative.get("subject"), alternative.get("html"))
        for n, alternative in enumerate(alternatives)
    ]
    found = inconsistencies(
        MarketingChannel(campaign.channel), messages, campaign.starts_at, campaign.ends_at
    )
    if found:
        where, why = found[0]
        raise InconsistentCampaignError(why, location=f"body.{where}")


async def load(uow: UnitOfWork, campaign_id: str, *, for_update: bool = False) -> Campaign:
    """``for_update``: locked, for the steps that read whether the audience has arrived
    (the arrival locks the campaign too, so either sees what the other did)."""
    campaign = await CampaignRepository(uow.session).get(campaign_id, for_update=for_update)
    if campaign is None:
        raise NotFoundError.of("campaign", campaign_id)
    return campaign


@overload
def _cents(amount: Decimal) -> Decimal: ...
@overload
def _cents(amount: None) -> None: ...
def _cents(amount: Decimal | None) -> Decimal | None:
    """Money as it is stored (to the cent), so the answer to a write reads as later reads."""
    return None if amount is None else amount.quantize(CENT)


def _check_message(message: MessageIn, where: str = "message") -> None:
    for field in ("subject", "body", "html"):
        source = getattr(message, field)
        if source is not None:
            templates.check(source, field=f"{where}.{field}")


def _ab_test_json(ab_test: AbTestIn | None) -> dict[str, Any] | None:
    if ab_test is None:
        return None
    for number, alternative in enumerate(ab_test.alternatives):
        _check_message(alternative, f"ab_test.alternatives[{number}]")
    return ab_test.model_dump(mode="json")


async def create_campaign(
    uow: UnitOfWork, body: CampaignCreate, settings: MarketingSettings, *, actor: str
) -> Campaign:
    _check_message(body.message)
    choice = audience_choice(body.segment_id, body.audience is not None)
    if choice is not None:
        where, why = choice
        raise InconsistentCampaignError(why, location=f"body.{where}")
    now = uow.clock.now()
    inline = body.audience is not None
    campaign = Campaign(
        id=str(uuid.uuid4()),
        name=body.name,
        objective=body.objective,
        channel=body.channel.value,
        status=CampaignStatus.DRAFT.value,
        # An inline audience becomes a segment of analytics with the id chosen here.
        segment_id=str(uuid.uuid4()) if inline else body.segment_id,
        audience_filter=stored(body.audience) if inline else None,
        audience_ready=not inline,
        live_audience=body.live_audience,
        subject=body.message.subject,
        body=body.message.body,
        html=body.message.html,
        ab_test=_ab_test_json(body.ab_test),
        budget=_cents(body.budget),
        fixed_cost=_cents(body.fixed_cost),
        cost_per_message=_cents(body.cost_per_message),
        currency=body.currency or settings.currency,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        owner=body.owner if "owner" in body.model_fields_set else actor,
        audience=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    _check_consistency(campaign)
    CampaignRepository(uow.session).add(campaign)
    if inline:
        uow.record(
            AudienceRequested(
                campaign_id=campaign.id,
                segment_id=campaign.segment_id,
                name=campaign.name,
                filter=body.audience,
                requested_at=now,
            )
        )
    return campaign


async def list_campaigns(
    uow: UnitOfWork,
    status: CampaignStatus | None,
    cursor: dict[str, Any] | None,
    limit: int,
    *,
    count: bool,
) -> CampaignPage:
    after = None
    if cursor is not None:
        try:
            after = (datetime.fromisoformat(cursor["created_at"]), str(cursor["id"]))
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidCursorError("this cursor was not given by this list") from error
    campaigns = CampaignRepository(uow.session)
    items = await campaigns.page(status, after, limit + 1)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = {"created_at": last.created_at.isoformat(), "id": last.id}
    total = await campaigns.count(status) if count else None
    return CampaignPage(items, next_cursor, total)


async def update_campaign(
    uow: UnitOfWork, campaign_id: str, body: CampaignUpdate, expected: ExpectedVersion
) -> Campaign:
    campaign = await load(uow, campaign_id)
    check_version(expected, campaign.version)
    sent = set(body.model_fields_set)
    frozen = may_change(CampaignStatus(campaign.status), sent)
    if frozen:
        raise CampaignStateError(
            f"a {campaign.status} campaign cannot change {', '.join(sorted(frozen))}",
            fields=sorted(frozen),
        )
    if body.message is not None:
        _check_message(body.message)
    values = {name: getattr(body, name) for name in sent if name not in ("message", "ab_test")}
    if "ab_test" in sent:
        values["ab_test"] = _ab_test_json(body.ab_test)
    values |= {name: _cents(values[name]) for name in MONEY if name in values}
    if body.message is not None:
        values |= body.message.model_dump()
    changed = [name for name, value in values.items() if getattr(campaign, name) != value]
    for name in changed:
        setattr(campaign, name, values[name])
    if "segment_id" in changed:  # a saved segment instead of the inline audience
        campaign.audience_filter = None
        campaign.audience_ready = True
        campaign.audience_problem = None
    _check_consistency(campaign)
    if changed:
        if "ends_at" in changed and campaign.status != CampaignStatus.DRAFT:
            await _arm_end(uow, campaign)
        campaign.touch(uow.clock.now())
    return campaign


def _transition(campaign: Campaign, action: Action) -> None:
    status = CampaignStatus(campaign.status)
    if not allowed(action, status):
        raise CampaignStateError(
            f"a {status} campaign cannot {action}", campaign_status=status.value
        )


async def launch(uow: UnitOfWork, campaign_id: str, expected: ExpectedVersion) -> Campaign:
    campaign = await load(uow, campaign_id, for_update=True)
    check_version(expected, campaign.version)
    _transition(campaign, Action.LAUNCH)
    if MarketingChannel(campaign.channel) not in LAUNCHABLE:
        raise CampaignStateError(
            f"{campaign.channel} campaigns cannot be launched yet",
            code="channel-not-available",
        )
    now = uow.clock.now()
    if campaign.ends_at is not None and campaign.ends_at <= now:
        raise CampaignStateError("the campaign's end has passed", code="campaign-period")
    await start_or_schedule(uow, campaign)
    campaign.touch(now)
    return campaign


async def start_or_schedule(uow: UnitOfWork, campaign: Campaign) -> None:
    """Launched: running now, or scheduled until its start; its end armed."""
    campaign.launched_at = uow.clock.now()
    await _arm_end(uow, campaign)
    if campaign.starts_at is not None and campaign.starts_at > campaign.launched_at:
        campaign.status = CampaignStatus.SCHEDULED.value
        await schedule(uow, kind=START_KIND, key=campaign.id, due_at=campaign.starts_at)
    elif not campaign.audience_ready:
        campaign.status = CampaignStatus.SCHEDULED.value  # its audience's arrival starts it
    else:
        await _start(uow, campaign)


async def _start(uow: UnitOfWork, campaign: Campaign) -> None:
    """Running, with the segment's members at this moment enrolled (with an A/B test: a
    random share split between the variants, the rest held for the winner)."""
    members = await AudienceRepository(uow.session).members(campaign.segment_id)
    now = uow.clock.now()
    messages = MessageRepository(uow.session)
    if campaign.ab_test is None:
        campaign.audience += await messages.enrol(campaign.id, FIRST_STEP, members, now)
    else:
        test = AbTestIn.model_validate(campaign.ab_test)
        parts = ab.split(members, variant_names(campaign), test.share, campaign.id)
        for variant, customers in parts.tested.items():
            campaign.audience += await messages.enrol(
                campaign.id, FIRST_STEP, customers, now, variant=variant
            )
        campaign.audience += await messages.enrol(
            campaign.id, FIRST_STEP, parts.held, now, status=MessageStatus.HELD
        )
        decide_at = now + timedelta(hours=test.decide_after_hours)
        await schedule(uow, kind=AB_KIND, key=campaign.id, due_at=decide_at)
    campaign.status = CampaignStatus.RUNNING.value


def variant_names(campaign: Campaign) -> list[str]:
    """A for the message, then B, C, ... for the A/B test's alternatives."""
    alternatives = (campaign.ab_test or {}).get("alternatives") or []
    return [chr(ord("A") + number) for number in range(1 + len(alternatives))]


def content_of(campaign: Campaign, variant: str | None, step: int = FIRST_STEP) -> MessageIn:
    """The message a step's variant sends (A, or no test: the campaign's own, or the step's
    own where the campaign names one)."""
    own_step = (campaign.step_messages or {}).get(str(step))
    if own_step is not None:
        return MessageIn.model_validate(own_step)
    names = variant_names(campaign)
    if variant is None or variant not in names or variant == names[0]:
        return MessageIn(subject=campaign.subject, body=campaign.body, html=campaign.html)
    alternatives = (campaign.ab_test or {}).get("alternatives") or []
    return MessageIn.model_validate(alternatives[names.index(variant) - 1])


async def on_ab_decision_due(uow: UnitOfWork, timer: Timer) -> None:
    campaign = await CampaignRepository(uow.session).get(timer.key)
    if campaign is None or campaign.ab_test is None or campaign.ab_winner is not None:
        return
    if CampaignStatus(campaign.status) in FINAL:
        return
    metric = ab.Metric(AbTestIn.model_validate(campaign.ab_test).metric)
    figures = {
        variant: ab.VariantFigures(delivered=row["delivered"], hits=row[metric.value])
        for variant, row in (await MessageRepository(uow.session).by_variant(campaign.id)).items()
    }
    campaign.ab_winner = ab.winner(figures, variant_names(campaign))
    await MessageRepository(uow.session).release_held(campaign.id, campaign.ab_winner)
    campaign.touch(uow.clock.now())


async def _arm_end(uow: UnitOfWork, campaign: Campaign) -> None:
    if campaign.ends_at is None:
        await cancel(uow, END_KIND, campaign.id)
    else:
        await schedule(uow, kind=END_KIND, key=campaign.id, due_at=campaign.ends_at)


async def pause(uow: UnitOfWork, campaign_id: str, expected: ExpectedVersion) -> Campaign:
    campaign = await load(uow, campaign_id)
    check_version(expected, campaign.version)
    _transition(campaign, Action.PAUSE)
    campaign.status = CampaignStatus.PAUSED.value
    campaign.touch(uow.clock.now())
    return campaign


async def resume(uow: UnitOfWork, campaign_id: str, expected: ExpectedVersion) -> Campaign:
    campaign = await load(uow, campaign_id, for_update=True)
    check_version(expected, campaign.version)
    _transition(campaign, Action.RESUME)
    now = uow.clock.now()
    if campaign.starts_at is not None and campaign.starts_at > now:
        campaign.status = CampaignStatus.SCHEDULED.value  # paused before its start came
    elif campaign.audience == 0 and await _never_started(uow, campaign):
        if campaign.audience_ready:
            await _start(uow, campaign)
        else:
            campaign.status = CampaignStatus.SCHEDULED.value  # still waits for its audience
    else:
        campaign.status = CampaignStatus.RUNNING.value
    campaign.touch(now)
    return campaign


async def _never_started(uow: UnitOfWork, campaign: Campaign) -> bool:
    tally = await MessageRepository(uow.session).tally(campaign.id)
    return not tally


async def stop(uow: UnitOfWork, campaign_id: str, expected: ExpectedVersion) -> Campaign:
    campaign = await load(uow, campaign_id)
    check_version(expected, campaign.version)
    _transition(campaign, Action.STOP)
    await _finish(uow, campaign, CampaignStatus.STOPPED)
    return campaign


async def wind_down(uow: UnitOfWork, campaign: Campaign) -> bool:
    """No one else enters and nothing still waiting goes; the campaign completes once what is
    enrolled next (a last step) is settled. False if nothing can go any more: it was final,
    or scheduled and never started (then it stops)."""
    status = CampaignStatus(campaign.status)
    if status in FINAL:
        return False
    if status == CampaignStatus.SCHEDULED:
        await _finish(uow, campaign, CampaignStatus.STOPPED)
        return False
    await MessageRepository(uow.session).close_pending(campaign.id, SkipReason.CAMPAIGN_ENDED)
    await cancel(uow, END_KIND, campaign.id)
    campaign.live_audience = False
    campaign.ends_at = None
    campaign.touch(uow.clock.now())
    return True


async def _finish(uow: UnitOfWork, campaign: Campaign, status: CampaignStatus) -> None:
    now = uow.clock.now()
    await MessageRepository(uow.session).close_pending(campaign.id, SkipReason.CAMPAIGN_ENDED)
    await cancel(uow, START_KIND, campaign.id)
    await cancel(uow, END_KIND, campaign.id)
    await cancel(uow, AB_KIND, campaign.id)
    campaign.status = status.value
    campaign.finished_at = now
    campaign.touch(now)


async def complete_if_settled(uow: UnitOfWork, campaign: Campaign) -> bool:
    """A running campaign whose every message is settled completes, unless its audience is
    live and its end not come (new members may still join), or it is a programme's."""
    if (
        campaign.status != CampaignStatus.RUNNING
        or campaign.live_audience
        or campaign.programme is not None
    ):
        return False
    if await MessageRepository(uow.session).unsettled(campaign.id):
        return False
    await _finish(uow, campaign, CampaignStatus.COMPLETED)
    return True


async def enrol_joiners(uow: UnitOfWork, joined: Sequence[tuple[str, str]]) -> None:
    """Enrol each (segment, customer) that is a member now in the live campaigns on it."""
    campaigns = await CampaignRepository(uow.session).live_on({segment for segment, _ in joined})
    if not campaigns:
        return
    current = await AudienceRepository(uow.session).current(joined)
    now = uow.clock.now()
    messages = MessageRepository(uow.session)
    for campaign in campaigns:
        members = [c for s, c in joined if s == campaign.segment_id and (s, c) in current]
        undecided = campaign.ab_test is not None and campaign.ab_winner is None
        campaign.audience += await messages.enrol(
            campaign.id,
            FIRST_STEP,
            members,
            now,
            variant=campaign.ab_winner,
            status=MessageStatus.HELD if undecided else MessageStatus.PENDING,
        )


async def on_start_due(uow: UnitOfWork, timer: Timer) -> None:
    campaign = await CampaignRepository(uow.session).get(timer.key, for_update=True)
    now = uow.clock.now()
    if campaign is None or not may_start(
        CampaignStatus(campaign.status), campaign.audience_ready, campaign.starts_at, now
    ):
        return  # paused or stopped meanwhile (resume decides), or its audience not arrived
    await _start(uow, campaign)
    campaign.touch(now)


async def evaluation_joins_applied(
    uow: UnitOfWork, segment_id: str, evaluation_id: str, joins: int
) -> None:
    """``joins`` joins of a requested segment's first evaluation were applied."""
    count = await AudienceRepository(uow.session).count_joins(segment_id, evaluation_id, joins)
    await _start_if_arrived(uow, segment_id, count)


async def segment_evaluated(
    uow: UnitOfWork,
    segment_id: str,
    evaluation_id: str,
    members: int,
    problem: str | None,
    evaluated_at: datetime,
) -> None:
    """Analytics evaluated a requested segment: ``members`` joins carry the evaluation."""
    count = await AudienceRepository(uow.session).evaluated(
        segment_id, evaluation_id, members, problem, evaluated_at
    )
    await _start_if_arrived(uow, segment_id, count)


async def _start_if_arrived(uow: UnitOfWork, segment_id: str, count: EvaluationCount) -> None:
    """Once the evaluation's every join is applied, the campaigns waiting on that audience
    have it; those launched (and whose start has come) start with its members."""
    if count.members is None or count.applied < count.members:
        return
    waiting = await CampaignRepository(uow.session).awaiting_audience(segment_id)
    now = uow.clock.now()
    for campaign in waiting:
        # Not a new version unless it starts: the ETag a client got for its draft still
        # launches it (the launch locks the campaign, so it sees the audience arrived).
        campaign.audience_ready = True
        campaign.audience_problem = count.problem
        if may_start(CampaignStatus(campaign.status), True, campaign.starts_at, now):
            await _start(uow, campaign)
            campaign.touch(now)


async def on_end_due(uow: UnitOfWork, timer: Timer) -> None:
    campaign = await CampaignRepository(uow.session).get(timer.key)
    if campaign is None or CampaignStatus(campaign.status) not in {
        CampaignStatus.SCHEDULED,
        CampaignStatus.RUNNING,
        CampaignStatus.PAUSED,
    }:
        return
    await _finish(uow, campaign, CampaignStatus.COMPLETED)


TIMERS = {START_KIND: on_start_due, END_KIND: on_end_due, AB_KIND: on_ab_decision_due}
