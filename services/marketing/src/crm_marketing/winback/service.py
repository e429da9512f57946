"""The win-back programme: every order moves the customer's last purchase and arms a durable
timer at the start of the next inactive stage; when it fires, the programme decides (the
rules), enrols the customer in the stage's standing campaign (an SMS reminder, the owner's
call, the recall offer, a VIP's visit) whose sends keep every consent rule, and publishes its
decision with the reason. Never commits."""

from datetime import datetime
from decimal import Decimal

from crm_shared.contracts.marketing import WinbackAction, WinbackDecided, WinbackStage
from crm_shared.contracts.sales import OrderSnapshot
from crm_shared.db import UnitOfWork
from crm_shared.timers import Timer, cancel, schedule

from crm_marketing.campaigns.programmes import (
    programme_campaign,
    spell_step,
    winback_programme,
)
from crm_marketing.sends.repository import MessageRepository
from crm_marketing.settings import MarketingSettings
from crm_marketing.winback.models import WinbackState
from crm_marketing.winback.repository import WinbackRepository
from crm_marketing.winback.rules import (
    WinbackPolicy,
    decide,
    next_check,
    stage_at,
    yearly_value,
)

TIMER = "winback.check"
CENT = Decimal("0.01")


def policy_of(settings: MarketingSettings) -> WinbackPolicy:
    return WinbackPolicy(
        windows=settings.winback_windows,
        actions=settings.winback_actions,
        costs=settings.winback_costs,
        excluded_credit_grades=frozenset(settings.winback_excluded_credit_grades),
        excluded_tags=frozenset(settings.winback_excluded_tags),
        vip_classes=frozenset(settings.winback_vip_classes),
        vip_tag=settings.winback_vip_tag,
        currency=settings.currency,
    )


def in_our_currency(order: OrderSnapshot, settings: MarketingSettings) -> Decimal:
    """The order's total in the service's currency (0 without a rate for it)."""
    rates = {**settings.exchange_rates, settings.currency: 1.0}
    if order.currency not in rates:
        return Decimal(0)
    return (order.total / Decimal(str(rates[order.currency]))).quantize(CENT)


async def order_placed(uow: UnitOfWork, order: OrderSnapshot, settings: MarketingSettings) -> None:
    if not settings.winback_enabled:
        return
    states = WinbackRepository(uow.session)
    state = await states.get(order.customer_id)
    amount = in_our_currency(order, settings)
    if state is None:
        state = states.add(
            WinbackState(
                customer_id=order.customer_id,
                first_order_at=order.ordered_at,
                last_order_at=order.ordered_at,
                orders=1,
                spent=amount,
            )
        )
    else:
        state.orders += 1
        state.spent += amount
        state.first_order_at = min(state.first_order_at, order.ordered_at)
        if order.ordered_at > state.last_order_at:  # a new spell begins
            state.last_order_at = order.ordered_at
            state.stage = None
            state.decided_at = None
    await _arm(uow, state, settings)


async def order_cancelled(
    uow: UnitOfWork, order: OrderSnapshot, settings: MarketingSettings
) -> None:
    state = await WinbackRepository(uow.session).get(order.customer_id)
    if state is not None:
        state.orders = max(state.orders - 1, 0)
        state.spent = max(state.spent - in_our_currency(order, settings), Decimal(0))


async def _arm(uow: UnitOfWork, state: WinbackState, settings: MarketingSettings) -> None:
    """The timer at the next moment something is to decide: now if the current stage is
    undecided (an old order imported), else the start of the next stage."""
    now = uow.clock.now()
    policy = policy_of(settings)
    current = stage_at((now - state.last_order_at).days, policy)
    due: datetime | None = now if current is not None and state.stage != current else None
    due = due or next_check(state.last_order_at, now, policy)
    # The timer's row before the state's: the timer worker firing this customer's check holds
    # the timer row and then writes the state, so writing them the other way round deadlocks.
    with uow.session.no_autoflush:
        if due is None:
            await cancel(uow, TIMER, state.customer_id)
        else:
            await schedule(uow, kind=TIMER, key=state.customer_id, due_at=due)


async def on_check_due(uow: UnitOfWork, timer: Timer, settings: MarketingSettings) -> None:
    state = await WinbackRepository(uow.session).get(timer.key)
    if state is None or not settings.winback_enabled:
        return
    customer = (await MessageRepository(uow.session).customers([state.customer_id])).get(
        state.customer_id
    )
    if customer is None or customer.get("status") != "active":
        return  # erased or merged away: nothing to win back
    now = uow.clock.now()
    days = (now - state.last_order_at).days
    policy = policy_of(settings)
    stage = stage_at(days, policy)
    if stage is not None and state.stage != stage:
        await _decide(uow, state, stage, customer, days, settings)
    await _arm(uow, state, settings)


async def _decide(
    uow: UnitOfWork,
    state: WinbackState,
    stage: WinbackStage,
    customer: dict[str, object],
    days: int,
    settings: MarketingSettings,
) -> None:
    now = uow.clock.now()
    value = yearly_value(state.spent, state.first_order_at, state.last_order_at)
    decision = decide(stage, customer, value, policy_of(settings))
    campaign_id = None
    if decision.action != WinbackAction.LET_GO:
        campaign = await programme_campaign(
            uow, winback_programme(decision.action, settings), settings
        )
        campaign.audience += await MessageRepository(uow.session).enrol(
            campaign.id, _step(state.last_order_at, stage), [state.customer_id], now
        )
        campaign_id = campaign.id
    state.stage = stage.value
    state.decided_at = now
    uow.record(
        WinbackDecided(
            customer_id=state.customer_id,
            stage=stage,
            action=decision.action,
            reason=decision.reason,
            days_inactive=days,
            campaign_id=campaign_id,
            decided_at=now,
        )
    )


def _step(last_order_at: datetime, stage: WinbackStage) -> int:
    day = last_order_at.toordinal() - datetime(2000, 1, 1).toordinal()
    return spell_step(day, list(WinbackStage).index(stage) + 1)


async def forget(uow: UnitOfWork, customer_id: str) -> None:
    await WinbackRepository(uow.session).forget(customer_id)
    await cancel(uow, TIMER, customer_id)
