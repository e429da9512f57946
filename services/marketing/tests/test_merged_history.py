"""A merged customer's marketing history follows them to the survivor: a message the alias got
counts for the survivor (the frequency cap, a campaign's once per step, attribution), a step
both got stays one under each and goes nowhere again, the alias's waiting message goes to the
survivor's address, win-back adds up both buying histories, and a replayed merge moves nothing
twice."""

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from crm_marketing.attribution.models import Attribution
from crm_marketing.sends.models import CampaignMessage
from crm_marketing.winback.models import WinbackState
from crm_shared.clock import FakeClock
from crm_shared.testing import created, merged, outbox_events, uid
from crm_shared.testing.analytics_events import joined
from crm_shared.testing.sales_fact_events import order, order_placed
from fastapi import FastAPI
from sqlalchemy import select

from services.marketing.tests.marketing_harness import (
    SEGMENT,
    RecordingChannel,
    deliver_events,
    launched,
    members,
    results,
    send_all,
    sender,
)
from tests.timers import fire_timers

ANN, BOB = uid("ann"), uid("bob")
ELSEWHERE = uid("elsewhere")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # One message a week: whether the survivor's cap sees the alias's message shows at once.
    return {"frequency_cap": 1, "quiet_hours_start": time(0), "quiet_hours_end": time(0)}


async def bob_into_ann(app: FastAPI) -> None:
    await deliver_events(app, merged(ANN, BOB, 2, email="ann@example.org", name="Ann Tester"))


async def messages(app: FastAPI) -> list[tuple[str, str, int, str, str | None]]:
    """(campaign, customer, step, status, outcome) of every message."""
    async with app.state.runtime.session_factory() as session:
        rows = await session.scalars(
            select(CampaignMessage).order_by(
                CampaignMessage.campaign_id, CampaignMessage.customer_id
            )
        )
        return [(m.campaign_id, m.customer_id, m.step, m.status, m.outcome) for m in rows]


async def test_the_aliass_message_becomes_the_survivors_and_is_not_sent_again(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", segment=ELSEWHERE)
    await members(app, "bob")
    campaign = await launched(client, live_audience=True)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    await bob_into_ann(app)
    await bob_into_ann(app)  # a replay (a new event: the inbox does not catch it)
    assert await messages(app) == [(campaign["id"], ANN, 1, "sent", "delivered")]
    # Ann joins the live audience: she has the step already, nothing is enrolled or sent.
    await deliver_events(app, joined(SEGMENT, ANN, 2))
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["bob@example.org"]
    # The cap (one a week) counts Bob's message as Ann's.
    clock.advance(timedelta(minutes=1))
    other = await launched(client, name="Summer news", segment_id=ELSEWHERE)
    await send_all(sender(app, channel))
    assert len(channel.sent) == 1
    assert (await results(client, other["id"]))["suppressed"] == {"frequency_cap": 1}


async def test_a_step_both_got_stays_one_under_each_and_nothing_is_resent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    campaign = await launched(client, live_audience=True)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    await bob_into_ann(app)
    await deliver_events(app, joined(SEGMENT, ANN, 2))
    await send_all(sender(app, channel))
    assert len(channel.sent) == 2
    assert await messages(app) == sorted(
        [
            (campaign["id"], ANN, 1, "sent", "delivered"),
            (campaign["id"], BOB, 1, "sent", "delivered"),
        ]
    )


async def test_the_aliass_waiting_message_goes_to_the_survivors_address(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", segment=ELSEWHERE)
    await members(app, "bob")
    campaign = await launched(client)
    await bob_into_ann(app)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["ann@example.org"]
    assert await messages(app) == [(campaign["id"], ANN, 1, "sent", "delivered")]


async def test_two_waiting_messages_of_a_step_go_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", "bob")
    campaign = await launched(client)
    await bob_into_ann(app)
    await bob_into_ann(app)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["ann@example.org"]
    figures = await results(client, campaign["id"])
    assert (figures["sent"], figures["suppressed"]) == (1, {"merged": 1})


async def test_the_survivors_waiting_message_of_a_step_the_alias_got_goes_nowhere(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await members(app, "ann", segment=ELSEWHERE)
    await members(app, "bob")
    campaign = await launched(client, live_audience=True)
    channel = RecordingChannel()
    await send_all(sender(app, channel))
    await deliver_events(app, joined(SEGMENT, ANN, 1))  # enrolled, not sent yet
    await bob_into_ann(app)
    await send_all(sender(app, channel))
    assert [m.address for m in channel.sent] == ["bob@example.org"]
    assert await messages(app) == sorted(
        [
            (campaign["id"], ANN, 1, "suppressed", "merged"),
            (campaign["id"], BOB, 1, "sent", "delivered"),
        ]
    )


async def test_the_survivors_order_is_credited_to_the_aliass_last_touch(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    await members(app, "ann", segment=ELSEWHERE)
    await members(app, "bob")
    first = await launched(client, name="To Ann", segment_id=ELSEWHERE)
    await send_all(sender(app, RecordingChannel()))
    clock.advance(timedelta(days=1))
    last = await launched(client, name="To Bob")
    await send_all(sender(app, RecordingChannel()))
    clock.advance(timedelta(days=1))
    old = order("o-bob", BOB, total="40.00", ordered_at=clock.now())
    await deliver_events(app, order_placed(old))
    await bob_into_ann(app)
    clock.advance(timedelta(days=1))
    await deliver_events(
        app, order_placed(order("o-ann", ANN, total="300.00", ordered_at=clock.now()))
    )
    assert (await results(client, first["id"]))["orders"] == 0
    figures = await results(client, last["id"])
    assert (figures["orders"], figures["revenue"]) == (2, "340.00")
    async with app.state.runtime.session_factory() as session:
        credited = await session.scalars(select(Attribution.customer_id))
        assert set(credited) == {ANN}


async def test_win_back_adds_up_both_histories_and_keeps_the_later_spell(
    app: FastAPI, clock: FakeClock
) -> None:
    start = clock.now()
    await deliver_events(
        app,
        created(ANN),
        created(BOB),
        order_placed(order("o-ann", ANN, total="100.00", ordered_at=start)),
        order_placed(order("o-bob", BOB, total="50.00", ordered_at=start + timedelta(days=10))),
    )
    await bob_into_ann(app)
    await bob_into_ann(app)
    async with app.state.runtime.session_factory() as session:
        states = list(await session.scalars(select(WinbackState)))
    [state] = states
    assert (state.customer_id, state.orders, state.spent) == (ANN, 2, Decimal("150.00"))
    assert (state.first_order_at, state.last_order_at) == (start, start + timedelta(days=10))


async def test_win_back_decides_on_the_persons_later_spell(app: FastAPI, clock: FakeClock) -> None:
    start = clock.now()
    await deliver_events(
        app,
        created(ANN),
        created(BOB),
        order_placed(order("o-ann", ANN, ordered_at=start)),
        order_placed(order("o-bob", BOB, ordered_at=start + timedelta(days=10))),
    )
    grace = app.state.runtime.settings.winback_fallback_days
    clock.advance(timedelta(days=90 + grace))
    await fire_timers(app)
    assert await reminded(app) == [ANN]  # as Ann, inactive since her own order
    await bob_into_ann(app)
    async with app.state.runtime.session_factory() as session:
        state = await session.get(WinbackState, ANN)
    assert state is not None
    assert (state.last_order_at, state.stage) == (start + timedelta(days=10), None)
    clock.advance(timedelta(days=10))
    await fire_timers(app)
    assert await reminded(app) == [ANN, ANN]  # the person's spell since Bob's order


async def reminded(app: FastAPI) -> list[str]:
    events = await outbox_events(app, "crm.marketing.winback.decided.v1")
    return [e.payload.customer_id for e in events if e.payload.stage == "reminder"]
