"""The win-back programme: analytics' ``customer.inactive`` (a customer past an inactivity
threshold, with the CLV prediction) decides the customer's stage: the programme decides (the
rules), enrols the customer in the stage's standing campaign (an SMS reminder, the owner's
call, the recall offer, a VIP's visit) whose sends keep every consent rule, and publishes its
decision with the reason. Every order also moves the customer's last purchase and arms a
durable timer a few days after the next stage starts (``winback_fallback_days``): the
fallback decides, on the yearly spend marketing saw, if analytics has not. Each stage is
decided once per spell (the state's stage) and enrolled once per spell and stage (the
message's step), whichever trigger comes first. Never commits."""

from datetime import datetime, timedelta
from decimal import Decimal

from crm_shared.contracts.analytics import CustomerInactive
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
    is_news,
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
    return _converted(order.total, order.currency, settings) or Decimal(0)


def _converted(amount: Decimal, currency: str, settings: MarketingSettings) -> Decimal | None:
    rates = {**settings.exchange_rates, settings.currency: 1.0}
    if currency not in rates:
        return None
    return (amount / Decimal(str(rates[currency]))).quantize(CENT)


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


async def customer_inactive(
    uow: UnitOfWork, event: CustomerInactive, settings: MarketingSettings
) -> None:
    """Analytics saw the customer past a threshold: decide the stage of ``days_inactive``
    unless this spell decided it (or a later one) already."""
    if not settings.winback_enabled:
        return
    states = WinbackRepository(uow.session)
    state = await states.get(event.customer_id)
    spell = event.last_activity_at
    if state is not None and spell < state.last_order_at:
        return  # marketing saw a newer purchase: that spell is over
    customer = (await MessageRepository(uow.session).customers([event.customer_id])).get(
        event.customer_id
    )
    if customer is None or customer.get("status") != "active":
        return
    if state is None:  # a buyer whose orders marketing never saw (before it ran)
        state = states.add(
            WinbackState(
                customer_id=event.customer_id,
                first_order_at=spell,
                last_order_at=spell,
                orders=0,
                spent=Decimal(0),
            )
        )
    elif spell > state.last_order_at:  # a purchase analytics saw first: a new spell
        state.last_order_at = spell
        state.stage = None
        state.decided_at = None
    stage = stage_at(event.days_inactive, policy_of(settings))
    if stage is None or not is_news(stage, state.stage):
        return
    expected = None
    if event.expected_value is not None:
        expected = _converted(Decimal(event.expected_value), event.currency, settings)
    # The timer's row before the state's (the timer worker's order, see _arm), armed past
    # this stage.
    with uow.session.no_autoflush:
        state.stage = stage.value
        await _arm(uow, state, settings)
    if expected is None:
        await _decide(uow, state, stage, customer, event.days_inactive, settings)
    else:
        months = event.horizon_months or 12
        await _decide(
            uow, state, stage, customer, event.days_inactive, settings,
            value=(expected, f"over the next {months} months (CLV)"),
        )  # fmt: skip


async def _arm(uow: UnitOfWork, state: WinbackState, settings: MarketingSettings) -> None:
    """The fallback timer at the next moment something is to decide, ``winback_fallback_days``
    after a stage starts: now if that moment of the current stage passed undecided (an old
    order imported), else that moment of the next stage."""
    now = uow.clock.now()
    grace = timedelta(days=settings.winback_fallback_days)
    policy = policy_of(settings)
    current = stage_at((now - grace - state.last_order_at).days, policy)
    due: datetime | None = None
    if current is not None and is_news(current, state.stage):
        due = now
    elif (start := next_check(state.last_order_at, now - grace, policy)) is not None:
        due = start + grace
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
    if stage is not None and is_news(stage, state.stage):
        await _decide(uow, state, stage, customer, days, settings)
    await _arm(uow, state, settings)


async def _decide(
    uow: UnitOfWork,
    state: WinbackState,
    stage: WinbackStage,
    customer: dict[str, object],
    days: int,
    settings: MarketingSettings,
    value: tuple[Decimal, str] | None = None,
) -> None:
    """``value``: what the customer is expected to be worth, and over what (by default the
    yearly spend marketing saw)."""
    now = uow.clock.now()
    if value is None:
        value = (yearly_value(state.spent, state.first_order_at, state.last_order_at), "a year")
    decision = decide(stage, customer, value[0], policy_of(settings), per=value[1])
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


async def follow_merge(
    uow: UnitOfWork, alias_id: str, survivor_id: str, settings: MarketingSettings
) -> None:
    """The alias's buying history joins the survivor's. Sales moves the alias's orders to the
    survivor without new events (a later cancellation of one arrives as the survivor's), so
    the orders and the spend add up and the first and last orders span both; the stage goes
    with the later last order, whose spell is the person's current one (and whose messages'
    steps moved with it). The alias's state and timer go: a replay finds nothing to add."""
    if alias_id == survivor_id:
        return
    states = WinbackRepository(uow.session)
    alias = await states.get(alias_id)
    if alias is None:
        return
    history = WinbackState(
        customer_id=survivor_id,
        first_order_at=alias.first_order_at,
        last_order_at=alias.last_order_at,
        orders=alias.orders,
        spent=alias.spent,
        stage=alias.stage,
        decided_at=alias.decided_at,
    )
    # The timer's row before the state's, as the timer worker takes them (see _arm).
    await cancel(uow, TIMER, alias_id)
    await states.forget(alias_id)
    survivor = await states.get(survivor_id)
    if survivor is None:
        survivor = states.add(history)
    else:
        survivor.orders += history.orders
        survivor.spent += history.spent
        survivor.first_order_at = min(survivor.first_order_at, history.first_order_at)
        if history.last_order_at > survivor.last_order_at:
            survivor.last_order_at = history.last_order_at
            survivor.stage = history.stage
            survivor.decided_at = history.decided_at
    await _arm(uow, survivor, settings)
