"""The care programmes (DOMAIN.md §5): birthday and holiday greetings, and a check-up reminder
some time after the last order. Each is a standing campaign (``campaigns.programmes``) whose
sends keep every consent rule; an hourly run (``CRM_MARKETING_CARE_CRON``) enrols whose
birthday or holiday it is in their own time zone (the service's where the master knows none),
once it is past ``care_greeting_time`` there; an order arms the check-up's durable timer. A
customer gets each greeting once: a birthday once a year (the step is the year of their local
date), a holiday once, a check-up once per order spell.

Proactive care: a customer analytics classes VIP gets a call task for the owner every
``care_vip_call_days`` (a durable timer re-armed at each call, cancelled when they leave VIP);
one whose churn risk rises to high gets a care call task at once (once per rise) and no
promotional message for ``care_first_days`` (the sender skips them as ``care_first``). The
calls are standing phone campaigns too: the sender requests the task from sales. Never
commits."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from crm_shared.contracts.analytics import ChurnLevel, ChurnRiskChanged
from crm_shared.contracts.sales import OrderSnapshot
from crm_shared.db import UnitOfWork
from crm_shared.timers import Timer, TimerState, cancel, get_timer, schedule

from crm_marketing.campaigns.programmes import (
    Programme,
    birthday_programme,
    checkup_programme,
    churn_care_programme,
    holiday_programme,
    programme_campaign,
    spell_step,
    vip_call_programme,
)
from crm_marketing.care import rules
from crm_marketing.care.models import ChurnCare
from crm_marketing.care.repository import CareRepository
from crm_marketing.sends.repository import MessageRepository
from crm_marketing.sends.rules import customer_zone
from crm_marketing.settings import MarketingSettings

CHECKUP_TIMER = "care.checkup"
VIP_CALL_TIMER = "care.vip_call"
DAILY = "care-daily"


def greeting_day(
    customer: Mapping[str, Any], now: datetime, settings: MarketingSettings
) -> date | None:
    zone = customer_zone(customer, settings.time_zone)
    return rules.greeting_day(now, zone, settings.care_greeting_time)


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
    """The birthdays and holidays it is now in each customer's own zone (past the greeting
    time there); returns how many were enrolled. Runs hourly: a greeting already enrolled is
    not enrolled again."""
    now = uow.clock.now()
    care = CareRepository(uow.session)
    days = rules.days_somewhere(now)
    by_year: defaultdict[int, list[str]] = defaultdict(list)
    for customer in await care.born_on(days):
        day = greeting_day(customer, now, settings)
        if day is not None and rules.is_birthday(customer["birth_date"], day):
            by_year[day.year].append(customer["id"])
    enrolled = 0
    for year, born in sorted(by_year.items()):
        enrolled += await _enrol(uow, birthday_programme(settings), year, born, settings)
    holidays = [holiday for holiday in settings.care_holidays if holiday.date in days]
    everyone = await care.active() if holidays else []
    for holiday in holidays:
        greeted = [c["id"] for c in everyone if greeting_day(c, now, settings) == holiday.date]
        enrolled += await _enrol(uow, holiday_programme(holiday, settings), 1, greeted, settings)
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


async def value_class_changed(
    uow: UnitOfWork, customer_id: str, settings: MarketingSettings
) -> None:
    """Arms the VIP's periodic call, or cancels it: by the class analytics says now (the
    projection, which ignores a late event), so a replay changes nothing."""
    value_class = await CareRepository(uow.session).value_class(customer_id)
    if not rules.is_vip(value_class, settings.care_vip_classes):
        await cancel(uow, VIP_CALL_TIMER, customer_id)
        return
    armed = await get_timer(uow, VIP_CALL_TIMER, customer_id)
    if armed is not None and armed[1] == TimerState.PENDING:
        return
    due = uow.clock.now() + timedelta(days=settings.care_vip_call_days)
    await schedule(uow, kind=VIP_CALL_TIMER, key=customer_id, due_at=due)


async def on_vip_call_due(uow: UnitOfWork, timer: Timer, settings: MarketingSettings) -> None:
    value_class = await CareRepository(uow.session).value_class(timer.key)
    if not rules.is_vip(value_class, settings.care_vip_classes):
        return  # left VIP as it fired: no call, not re-armed
    now = uow.clock.now()
    interval = timedelta(days=settings.care_vip_call_days)
    # The timer row first, then the messages (the timer worker's order).
    await schedule(
        uow, kind=VIP_CALL_TIMER, key=timer.key, due_at=rules.next_call(timer.due_at, now, interval)
    )
    step = spell_step(rules.day_number(timer.due_at), 1)
    await _enrol(uow, vip_call_programme(settings), step, [timer.key], settings)


async def churn_risk_changed(
    uow: UnitOfWork, event: ChurnRiskChanged, settings: MarketingSettings
) -> None:
    """A rise to high: the owner's care call at once and promotions held back for a while."""
    care = CareRepository(uow.session)
    state = await care.churn_care(event.customer_id)
    if state is not None and not rules.is_newer(state.sequence, event.sequence):
        return
    known = ChurnLevel(state.level) if state is not None else event.previous
    if state is None:
        state = care.add(ChurnCare(customer_id=event.customer_id))
    state.level = event.level.value
    state.sequence = event.sequence
    if not rules.rose_to_high(known, event.level):
        return
    now = uow.clock.now()
    state.risen_at = now
    state.care_until = rules.care_until(now, settings.care_first_days)
    step = spell_step(rules.day_number(now), 1)
    await _enrol(uow, churn_care_programme(settings), step, [event.customer_id], settings)


async def forget(uow: UnitOfWork, customer_id: str) -> None:
    await cancel(uow, CHECKUP_TIMER, customer_id)
    await cancel(uow, VIP_CALL_TIMER, customer_id)
    await CareRepository(uow.session).forget(customer_id)
