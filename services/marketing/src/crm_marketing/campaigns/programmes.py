"""The standing campaigns of the programmes: win-back's reminder, the owner's call, the
recall offer and a VIP's visit; the care programmes' birthday, holiday and check-up
greetings, a VIP's periodic call and the care call when churn risk rises. Each is created
on first use from the settings' templates and runs for good; the programme enrols its
customers one by one. Their results read like any campaign's."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.contracts.marketing import MarketingChannel, WinbackAction
from crm_shared.db import UnitOfWork

from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.campaigns.rules import CampaignStatus
from crm_marketing.db import FIRST_VERSION
from crm_marketing.settings import Holiday, MarketingSettings

# Programme campaigns have fixed ids, so two consumers creating one at once clash on the key
# (and the loser's run is retried) instead of making two.
PROGRAMMES = uuid.UUID("0b5c5d3e-7d8a-4f61-9c0e-2d6a3f7e8b91")


@dataclass(frozen=True)
class Programme:
    key: str
    name: str
    channel: MarketingChannel
    subject: str | None
    body: str


def winback_programme(action: WinbackAction, settings: MarketingSettings) -> Programme:
    key = f"winback.{action.value}"
    if action == WinbackAction.SMS_REMINDER:
        return Programme(key, "Win-back: reminder", MarketingChannel.SMS, None,
                         settings.winback_reminder_text)  # fmt: skip
    if action == WinbackAction.RECALL_OFFER:
        return Programme(key, "Win-back: recall offer", MarketingChannel.EMAIL,
                         settings.winback_recall_subject, settings.winback_recall_text)  # fmt: skip
    name = "Win-back: VIP visit" if action == WinbackAction.VIP_VISIT else "Win-back: owner's call"
    return Programme(key, name, MarketingChannel.PHONE, name, settings.winback_call_script)


def birthday_programme(settings: MarketingSettings) -> Programme:
    return Programme("care.birthday", "Care: birthday greetings", settings.care_birthday_channel,
                     settings.care_birthday_subject, settings.care_birthday_text)  # fmt: skip


def holiday_programme(holiday: Holiday, settings: MarketingSettings) -> Programme:
    return Programme(f"care.holiday.{holiday.date}", f"Care: {holiday.name} greetings",
                     settings.care_holiday_channel, holiday.subject, holiday.text)  # fmt: skip


def checkup_programme(settings: MarketingSettings) -> Programme:
    return Programme("care.checkup", "Care: check-up reminder", settings.care_checkup_channel,
                     settings.care_checkup_subject, settings.care_checkup_text)  # fmt: skip


def vip_call_programme(settings: MarketingSettings) -> Programme:
    name = "Care: VIP's personal call"
    return Programme("care.vip_call", name, MarketingChannel.PHONE, name,
                     settings.care_vip_call_script)  # fmt: skip


def churn_care_programme(settings: MarketingSettings) -> Programme:
    name = "Care: call as churn risk rises"
    return Programme("care.churn_call", name, MarketingChannel.PHONE, name,
                     settings.care_churn_call_script)  # fmt: skip


CARE_PREFIX = "care."


def is_care(programme_key: str) -> bool:
    return programme_key.startswith(CARE_PREFIX)


async def programme_campaign(
    uow: UnitOfWork, programme: Programme, settings: MarketingSettings
) -> Campaign:
    campaign_id = str(uuid.uuid5(PROGRAMMES, programme.key))
    campaigns = CampaignRepository(uow.session)
    existing = await campaigns.get(campaign_id)
    if existing is not None:
        return existing
    now = uow.clock.now()
    campaign = Campaign(
        id=campaign_id,
        name=programme.name,
        objective=f"the {programme.key} programme",
        channel=programme.channel.value,
        status=CampaignStatus.RUNNING.value,
        segment_id=campaign_id,  # no segment: the programme enrols
        live_audience=False,
        subject=programme.subject if programme.channel == MarketingChannel.EMAIL else None,
        body=programme.body,
        html=None,
        budget=None,
        fixed_cost=Decimal("0.00"),
        cost_per_message=_cost_of(programme, settings),
        currency=settings.currency,
        programme=programme.key,
        care=is_care(programme.key),
        audience=0,
        created_by=None,
        created_at=now,
        launched_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    return campaigns.add(campaign)


def _cost_of(programme: Programme, settings: MarketingSettings) -> Decimal:
    if not programme.key.startswith("winback."):
        return Decimal("0.00")
    action = WinbackAction(programme.key.removeprefix("winback."))
    return settings.winback_costs.get(action, Decimal(0)).quantize(Decimal("0.01"))


SPELL_STEPS = 10  # a programme's message step: spell x 10 + the stage's number (1-3)


def spell_step(spell_day: int, stage_number: int) -> int:
    """A programme message's step: unique per inactive spell (the day of its last order) and
    stage, so a customer gets each stage's message once per spell."""
    return spell_day * SPELL_STEPS + stage_number


def published_step(campaign: Campaign, step: int) -> int:
    """The step events carry: a programme's says the stage (1-3), not the spell."""
    return step % SPELL_STEPS if campaign.programme is not None else step
