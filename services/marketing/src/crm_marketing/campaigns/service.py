"""Use cases of campaigns: plan, change, launch (the audience snapshotted), pause, resume,
stop, the scheduled start and end, and the results. Never commits.

The sending itself is the sender's (``crm_marketing.sends.sender``): a launch enrols the
audience as pending messages and the sender picks them up.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, overload

from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.cursors import InvalidCursorError
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import Timer, cancel, schedule

from crm_marketing.audiences.repository import AudienceRepository
from crm_marketing.campaigns import ab
from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.rules import (
    FINAL,
    LAUNCHABLE,
    Action,
    CampaignStatus,
    allowed,
    inconsistencies,
    may_change,
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


async def load(uow: UnitOfWork, campaign_id: str) -> Campaign:
    campaign = await CampaignRepository(uow.session).get(campaign_id)
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
    now = uow.clock.now()
    campaign = Campaign(
        id=str(uuid.uuid4()),
        name=body.name,
        objective=body.objective,
        channel=body.channel.value,
        status=CampaignStatus.DRAFT.value,
        segment_id=body.segment_id,
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
    campaign = await load(uow, campaign_id)
    check_version(expected, campaign.version)
    _transition(campaign, Action.LAUNCH)
    if MarketingChannel(campaign.channel) not in LAUNCHABLE:
        raise CampaignStateError(
            f"{campaign.channel} campaigns cannot be launched yet (e-mail and SMS can)",
            code="channel-not-available",
        )
    now = uow.clock.now()
    if campaign.ends_at is not None and campaign.ends_at <= now:
        raise CampaignStateError("the campaign's end has passed", code="campaign-period")
    campaign.launched_at = now
    await _arm_end(uow, campaign)
    if campaign.starts_at is not None and campaign.starts_at > now:
        campaign.status = CampaignStatus.SCHEDULED.value
        await schedule(uow, kind=START_KIND, key=campaign.id, due_at=campaign.starts_at)
    else:
        await _start(uow, campaign)
    campaign.touch(now)
    return campaign


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


def content_of(campaign: Campaign, variant: str | None) -> MessageIn:
    """The message a variant sends (A, or no test: the campaign's own)."""
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
    campaign = await load(uow, campaign_id)
    check_version(expected, campaign.version)
    _transition(campaign, Action.RESUME)
    now = uow.clock.now()
    if campaign.starts_at is not None and campaign.starts_at > now:
        campaign.status = CampaignStatus.SCHEDULED.value  # paused before its start came
    elif campaign.audience == 0 and await _never_started(uow, campaign):
        await _start(uow, campaign)
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
    campaign = await CampaignRepository(uow.session).get(timer.key)
    if campaign is None or not allowed(Action.START, CampaignStatus(campaign.status)):
        return  # paused or stopped meanwhile: resume decides
    await _start(uow, campaign)
    campaign.touch(uow.clock.now())


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
