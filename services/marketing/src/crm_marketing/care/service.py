"""The care programmes (DOMAIN.md §5): birthday and holiday greetings, and a check-up reminder
some time after the last order. Each is a standing campaign (``campaigns.programmes``) whose
sends keep every consent rule; a daily run (``CRM_MARKETING_CARE_CRON`` in the service's time
zone) enrols whose birthday or holiday it is, and an order arms the check-up's durable
timer. A customer gets each greeting once: a birthday once a year, a check-up once per
order spell. Never commits."""

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_shared.contracts.sales import OrderSnapshot
from crm_shared.db import UnitOfWork
from crm_shared.timers import Timer, cancel, get_timer, schedule

from crm_marketing.campaigns.programmes import (
    Programme,
    birthday_programme,
    checkup_programme,
    holiday_programme,
    programme_campaign,
    spell_step,
)
from crm_marketing.care.repository import CareRepository
from crm_marketing.sends.repository import MessageRepository
from crm_marketing.settings import MarketingSettings

CHECKUP_TIMER = "care.checkup"
DAILY = "care-daily"


def today(uow: UnitOfWork, settings: MarketingSettings) -> date:
    return uow.clock.now().astimezone(ZoneInfo(settings.time_zone)).date()


async def _enrol(
    uow: UnitOfWork,
    programme: Programme,
    step: int,
    customer_ids: list[str],
    settings: MarketingSettings,
) -> int:
    if not customer_ids:
        return 0
    campaign = await programme_campaign(uow, programme, settings)
    added = await MessageRepository(uow.session).enrol(
        campaign.id, step, customer_ids, uow.clock.now()
    )
    campaign.audience += added
    return added


async def daily(uow: UnitOfWork, settings: MarketingSettings) -> int:
    """Today's birthdays and holiday; returns how many were enrolled."""
    day = today(uow, settings)
    care = CareRepository(uow.session)
    leap_day_missing = day.month == 2 and day.day == 28 and not calendar.isleap(day.year)
    born = await care.born_on(day.month, day.day, with_leap_day=leap_day_missing)
    enrolled = await _enrol(uow, birthday_programme(settings), day.year, born, settings)
    for holiday in settings.care_holidays:
        if holiday.date == day:
            everyone = await care.active()
            enrolled += await _enrol(
                uow, holiday_programme(holiday, settings), 1, everyone, settings
            )
    return enrolled


async def order_placed(uow: UnitOfWork, order: OrderSnapshot, settings: MarketingSettings) -> None:
    """The check-up reminder follows the newest order."""
    if settings.care_checkup_days is None:
        return
    due = order.ordered_at + timedelta(days=settings.care_checkup_days)
    existing_spell = await _timer_spell(uow, order.customer_id)
    if existing_spell is not None and existing_spell > order.ordered_at:
        return  # an older order arriving late
    await schedule(
        uow,
        kind=CHECKUP_TIMER,
        key=order.customer_id,
        due_at=due,
        payload={"last_order_at": order.ordered_at.isoformat()},
    )


async def _timer_spell(uow: UnitOfWork, customer_id: str) -> datetime | None:
    found = await get_timer(uow, CHECKUP_TIMER, customer_id)
    if found is None or "last_order_at" not in found[0].payload:
        return None
    return datetime.fromisoformat(str(found[0].payload["last_order_at"]))


async def on_checkup_due(uow: UnitOfWork, timer: Timer, settings: MarketingSettings) -> None:
    last = datetime.fromisoformat(str(timer.payload["last_order_at"]))
    day = last.toordinal() - date(2000, 1, 1).toordinal()
    await _enrol(uow, checkup_programme(settings), spell_step(day, 1), [timer.key], settings)


async def forget(uow: UnitOfWork, customer_id: str) -> None:
    await cancel(uow, CHECKUP_TIMER, customer_id)
